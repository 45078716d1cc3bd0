import { createLogger } from '@bintrail/observability';
import { ConfigError, loadConfig } from './config';
import { PLATFORM_SERVICE_NAMES, startPlatform, type PlatformServiceName } from './platform';

/**
 * One service as its own process (distributed form, what `npm run start:distributed` runs per service):
 * BINTRAIL_SERVICE=inventory|warehouse|order|shipping (PLATFORM_SERVICES in platform.ts) starts only that service's HTTP module, its read models
 * (reading the shared store's log) and its consumer group (Kafka through an inbox), on PORT. The event
 * store (DATABASE_URL, BINTRAIL_SCHEMA) is shared; each service appends only its own streams. The topics
 * and the relay are not this process's job (the launcher creates the topics; the relay is its own process).
 */
function serviceFromEnv(env: NodeJS.ProcessEnv): PlatformServiceName {
  const service = env.BINTRAIL_SERVICE;
  if (!service || !(PLATFORM_SERVICE_NAMES as readonly string[]).includes(service)) {
    throw new ConfigError(`BINTRAIL_SERVICE must be one of ${PLATFORM_SERVICE_NAMES.join(', ')}, got '${service ?? ''}'`);
  }
  return service as PlatformServiceName;
}

async function main(): Promise<void> {
  const service = serviceFromEnv(process.env);
  const config = loadConfig({ ...process.env, BINTRAIL_MODE: 'distributed' }, process.cwd());
  const logger = createLogger({ service, write: (line) => process.stdout.write(line) });
  const platform = await startPlatform(config, logger, { services: [service], relay: false });
  logger.info(`${service} ready. Press Ctrl+C to stop.`);

  const shutdown = async (signal: string): Promise<void> => {
    logger.info(`${signal}: stopping the ${service} service`);
    await platform.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`bintrail service failed to start: ${message}\n`);
  process.exit(1);
});
