/**
 * The relay as its own process (distributed form): `node -r ./tools/register.cjs libs/messaging/src/relay/relay-main.ts`.
 * Environment: DATABASE_URL, KAFKA_BROKERS (required); BINTRAIL_SCHEMA, RELAY_NAME, RELAY_TOPIC_PREFIX,
 * RELAY_BATCH_SIZE, TOPIC_PARTITIONS, BINTRAIL_EXTRA_CATEGORIES (optional). Several may run: one is
 * active, the others stand by.
 *
 * BINTRAIL_EXTRA_CATEGORIES (e.g. `replenishment,returns`): categories beyond the core four whose topics
 * this relay creates at start. An event whose topic exists nowhere is parked on `<prefix>.relay.dlq`.
 */
import { lockKey, openPostgresEventStore } from '@bintrail/event-store';
import { createLogger } from '@bintrail/observability';
import { postgresDatabase } from '@bintrail/event-store';
import { KafkaBus } from '../bus/kafka';
import { declaredCategories, ensurePlatformTopics } from '../topics';
import { SqlCheckpointStore } from './checkpoints';
import { PostgresLeaderLock } from './leader-lock';
import { Relay } from './relay';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`relay: environment variable ${name} is required\n`);
    process.exit(2);
  }
  return value;
}

/** `replenishment, returns` → ['replenishment', 'returns']. */
function categoryList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((category) => category.trim())
    .filter((category) => category.length > 0);
}

async function main(): Promise<void> {
  const databaseUrl = required('DATABASE_URL');
  const brokers = required('KAFKA_BROKERS').split(',');
  const schema = process.env.BINTRAIL_SCHEMA ?? 'bintrail';
  const name = process.env.RELAY_NAME ?? 'relay';
  const topicPrefix = process.env.RELAY_TOPIC_PREFIX || undefined;
  const logger = createLogger({ service: 'relay' }).child({ pid: process.pid });
  const extraCategories = categoryList(process.env.BINTRAIL_EXTRA_CATEGORIES);
  declaredCategories({ extraCategories }); // a typo in the list stops the start, before anything connects

  const store = await openPostgresEventStore(databaseUrl, { schema, poolSize: 2 });
  const checkpoints = await SqlCheckpointStore.open(postgresDatabase({ connectionString: databaseUrl, max: 2 }), schema);
  const bus = new KafkaBus({ brokers, clientId: `relay-${process.pid}`, logger });
  await ensurePlatformTopics(bus, {
    ...(topicPrefix ? { prefix: topicPrefix } : {}),
    extraCategories,
    partitions: Number(process.env.TOPIC_PARTITIONS ?? 6),
    replicationFactor: Number(process.env.TOPIC_REPLICATION_FACTOR ?? 1),
  });
  const lock = new PostgresLeaderLock(databaseUrl, lockKey(schema, `relay:${name}`), { logger });
  const relay = new Relay(store, checkpoints, bus, lock, {
    name,
    logger,
    batchSize: Number(process.env.RELAY_BATCH_SIZE ?? 500),
    ...(topicPrefix ? { topicPrefix } : {}),
  });
  relay.start();
  logger.info('relay started', { schema, name, extraCategories });

  const shutdown = async (): Promise<void> => {
    await relay.stop();
    await bus.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  process.stderr.write(`relay failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
