import { resolve } from 'node:path';

export interface PlatformConfig {
  readonly mode: 'embedded' | 'distributed';
  /** Embedded mode: folder of the PGlite database. */
  readonly dataDir: string;
  /** Distributed mode: PostgreSQL server holding the event store. */
  readonly databaseUrl: string | undefined;
  readonly schema: string;
  /** Distributed mode: Kafka bootstrap brokers. */
  readonly kafkaBrokers: readonly string[];
  /** Distributed mode: topic name prefix (BINTRAIL_TOPIC_PREFIX, default the contract's `bintrail`), e.g. to isolate a test run. */
  readonly topicPrefix: string | undefined;
  readonly topicPartitions: number;
  readonly topicReplicationFactor: number;
  /** HTTP port (PORT, default 3000; 0 picks a free one) and address (HOST, default 127.0.0.1). */
  readonly port: number;
  readonly host: string;
  /** Longest a GET with ?minPosition= waits for its read model before answering 503 (BINTRAIL_READ_WAIT_MS, default 2000). */
  readonly readWaitMs: number;
  /** How long the answers of requests made with an Idempotency-Key are kept (BINTRAIL_IDEMPOTENCY_TTL_HOURS, default 24). */
  readonly idempotencyTtlHours: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the environment once at boot; fails fast naming the variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string): PlatformConfig {
  const mode = env.BINTRAIL_MODE ?? 'embedded';
  if (mode !== 'embedded' && mode !== 'distributed') {
    throw new ConfigError(`BINTRAIL_MODE must be 'embedded' or 'distributed', got '${mode}'`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (mode === 'distributed' && !databaseUrl) {
    throw new ConfigError('DATABASE_URL is required when BINTRAIL_MODE=distributed (e.g. postgres://postgres@127.0.0.1:5432/bintrail)');
  }
  const schema = env.BINTRAIL_SCHEMA ?? 'bintrail';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(`BINTRAIL_SCHEMA must be lower-case letters, digits and _, got '${schema}'`);
  }
  const kafkaBrokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (mode === 'distributed' && kafkaBrokers.length === 0) {
    throw new ConfigError('KAFKA_BROKERS is required when BINTRAIL_MODE=distributed (e.g. 127.0.0.1:9092)');
  }
  const topicPrefix = env.BINTRAIL_TOPIC_PREFIX || undefined;
  if (topicPrefix !== undefined && !/^[a-zA-Z0-9._-]{1,100}$/.test(topicPrefix)) {
    throw new ConfigError(`BINTRAIL_TOPIC_PREFIX must be letters, digits, '.', '_' or '-', got '${topicPrefix}'`);
  }
  const topicPartitions = positiveInteger(env, 'TOPIC_PARTITIONS', 6);
  const topicReplicationFactor = positiveInteger(env, 'TOPIC_REPLICATION_FACTOR', 1);
  const dataDir = resolve(cwd, env.BINTRAIL_DATA_DIR ?? '.bintrail/data');
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`PORT must be a TCP port number (0-65535), got '${env.PORT}'`);
  const host = env.HOST || '127.0.0.1';
  const readWaitMs = Number(env.BINTRAIL_READ_WAIT_MS ?? 2_000);
  if (!Number.isInteger(readWaitMs) || readWaitMs < 0 || readWaitMs > 60_000) {
    throw new ConfigError(`BINTRAIL_READ_WAIT_MS must be an integer from 0 to 60000 (milliseconds), got '${env.BINTRAIL_READ_WAIT_MS}'`);
  }
  const idempotencyTtlHours = positiveInteger(env, 'BINTRAIL_IDEMPOTENCY_TTL_HOURS', 24);
  return { mode, dataDir, databaseUrl, schema, kafkaBrokers, topicPrefix, topicPartitions, topicReplicationFactor, port, host, readWaitMs, idempotencyTtlHours };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer, got '${env[name]}'`);
  return value;
}
