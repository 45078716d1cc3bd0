import { mkdirSync } from 'node:fs';
import { lockKey, openEmbeddedEventStore, openPostgresEventStore, postgresDatabase, type SqlEventStore } from '@bintrail/event-store';
import {
  ensurePlatformTopics,
  InProcessBus,
  KafkaBus,
  PostgresLeaderLock,
  ProcessLeaderLock,
  Relay,
  SqlCheckpointStore,
  type LeaderLock,
  type MessageBus,
} from '@bintrail/messaging';
import { createLogger } from '@bintrail/observability';
import { ConfigError, loadConfig } from './config';

/**
 * Starts Bintrail. Embedded (default): the event store runs in this process on PGlite (data in a
 * local folder) and events travel on the in-process bus. Distributed: PostgreSQL server + Kafka.
 * Same relay, same topics, same consumers either way.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, process.cwd());
  const logger = createLogger({ service: 'platform', write: (line) => process.stdout.write(line) });
  let store: SqlEventStore;
  let bus: MessageBus;
  let lock: LeaderLock;
  let checkpoints: SqlCheckpointStore;
  if (config.mode === 'embedded') {
    mkdirSync(config.dataDir, { recursive: true });
    store = await openEmbeddedEventStore(config.dataDir, { schema: config.schema, source: 'platform' });
    checkpoints = await SqlCheckpointStore.open(store.db, config.schema);
    bus = new InProcessBus();
    lock = new ProcessLeaderLock();
    logger.info(`event store: embedded PostgreSQL (PGlite), data in ${config.dataDir}`);
  } else {
    store = await openPostgresEventStore(config.databaseUrl!, { schema: config.schema, source: 'platform' });
    checkpoints = await SqlCheckpointStore.open(postgresDatabase({ connectionString: config.databaseUrl!, max: 2 }), config.schema);
    bus = new KafkaBus({ brokers: config.kafkaBrokers, clientId: 'bintrail-platform', logger });
    lock = new PostgresLeaderLock(config.databaseUrl!, lockKey(config.schema, 'relay:relay'));
    logger.info(`event store: PostgreSQL at ${redact(config.databaseUrl!)}, schema ${config.schema}; Kafka at ${config.kafkaBrokers.join(',')}`);
  }
  const topics = await ensurePlatformTopics(bus, { partitions: config.topicPartitions, replicationFactor: config.topicReplicationFactor });
  logger.info('topics ready', { topics: topics.map((t) => t.topic) });
  const relay = new Relay(store, checkpoints, bus, lock, { logger });
  relay.start();
  logger.info(`ready; global log head at position ${await store.headPosition()}. Press Ctrl+C to stop.`);

  const shutdown = async (signal: string): Promise<void> => {
    logger.info(`${signal}: stopping the relay and closing the event store`);
    await relay.stop();
    await bus.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@');
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`bintrail failed to start: ${message}\n`);
  process.exit(1);
});
