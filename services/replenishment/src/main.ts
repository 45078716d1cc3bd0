import { createLogger } from '@bintrail/observability';
import { subscriberConfigFromEnv, type StartFrom } from '@bintrail/subscriber';
import { startReplenishment } from './replenishment-service';

/**
 * `npx nx serve replenishment`: DATABASE_URL, KAFKA_BROKERS, BINTRAIL_SCHEMA and BINTRAIL_TOPIC_PREFIX as for the
 * platform; PORT (default 3100). REPLENISHMENT_GROUP + REPLENISHMENT_FROM (`beginning`, `live`, a global position
 * or an ISO time) start a new consumer group from there.
 */
async function main(): Promise<void> {
  const logger = createLogger({ service: 'replenishment', write: (line) => process.stdout.write(line) });
  const config = { ...subscriberConfigFromEnv(process.env, 'replenishment'), logger };
  const port = portFromEnv(process.env.PORT);
  const from = startFromEnv(process.env.REPLENISHMENT_FROM);
  const group = process.env.REPLENISHMENT_GROUP || undefined;
  const service = await startReplenishment(config, { port, ...(group ? { group } : {}), ...(from ? { from } : {}) });
  logger.info('replenishment ready. Press Ctrl+C to stop.', { ...service.subscription.status() });

  const shutdown = async (signal: string): Promise<void> => {
    logger.info(`${signal}: stopping replenishment`, { ...service.subscription.status() });
    await service.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 3100;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new Error(`PORT must be a port number from 0 to 65535, got '${value}'`);
  return Number(value);
}

function startFromEnv(value: string | undefined): StartFrom | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'beginning' || value === 'live') return value;
  if (/^[1-9]\d*$/.test(value)) return { position: Number(value) };
  const time = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(time.getTime())) return { time };
  throw new Error(`REPLENISHMENT_FROM must be 'beginning', 'live', a global position (e.g. 1200) or an ISO time (e.g. 2026-03-01T00:00:00Z), got '${value}'`);
}

main().catch((error: unknown) => {
  process.stderr.write(`replenishment failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
