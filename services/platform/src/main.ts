import { createLogger } from '@bintrail/observability';
import { ConfigError, loadConfig } from './config';
import { startPlatform } from './platform';

/**
 * `npm start`: Bintrail in one process. Embedded by default (PGlite in a local folder, consumers
 * reading the store's log); BINTRAIL_MODE=distributed uses a PostgreSQL server and Kafka.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, process.cwd());
  const logger = createLogger({ service: 'platform', write: (line) => process.stdout.write(line) });
  const platform = await startPlatform(config, logger);
  logger.info(`ready; global log head at position ${(await platform.status()).head}. Press Ctrl+C to stop.`);

  const shutdown = async (signal: string): Promise<void> => {
    logger.info(`${signal}: stopping the HTTP server, the consumers and the event store`);
    await platform.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`bintrail failed to start: ${message}\n`);
  process.exit(1);
});
