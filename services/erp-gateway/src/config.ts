import { DEFAULT_TOPIC_PREFIX } from '@bintrail/contracts';

/** The gateway's settings, from the same variables the platform reads (config.ts there) plus PLATFORM_URL. */
export interface GatewayConfig {
  /** The platform's public HTTP API: the embedded platform, or the distributed proxy (same routes). */
  readonly platformUrl: string;
  readonly kafkaBrokers: readonly string[];
  /** PostgreSQL holding the gateway's inbox and its record of what it published. */
  readonly databaseUrl: string;
  readonly schema: string;
  readonly topicPrefix: string;
  readonly topicPartitions: number;
  readonly topicReplicationFactor: number;
}

export class GatewayConfigError extends Error {
  override readonly name = 'GatewayConfigError';
}

/** Read once at start; fails naming the variable that is missing or wrong. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const platformUrl = (env.PLATFORM_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
  if (!/^https?:\/\/\S+$/.test(platformUrl)) throw new GatewayConfigError(`PLATFORM_URL must be an http(s) URL, got '${env.PLATFORM_URL}'`);
  const kafkaBrokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (kafkaBrokers.length === 0) throw new GatewayConfigError('KAFKA_BROKERS is required (e.g. 127.0.0.1:9092): the ERP talks to the gateway through Kafka');
  const databaseUrl = env.DATABASE_URL || '';
  if (!databaseUrl) throw new GatewayConfigError('DATABASE_URL is required (e.g. postgres://postgres@127.0.0.1:5432/bintrail): the gateway keeps its inbox there');
  const schema = env.BINTRAIL_SCHEMA ?? 'bintrail';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new GatewayConfigError(`BINTRAIL_SCHEMA must be lower-case letters, digits and _, got '${schema}'`);
  const topicPrefix = env.BINTRAIL_TOPIC_PREFIX || DEFAULT_TOPIC_PREFIX;
  if (!/^[a-zA-Z0-9._-]{1,100}$/.test(topicPrefix)) throw new GatewayConfigError(`BINTRAIL_TOPIC_PREFIX must be letters, digits, '.', '_' or '-', got '${topicPrefix}'`);
  return {
    platformUrl,
    kafkaBrokers,
    databaseUrl,
    schema,
    topicPrefix,
    topicPartitions: positiveInteger(env, 'TOPIC_PARTITIONS', 6),
    topicReplicationFactor: positiveInteger(env, 'TOPIC_REPLICATION_FACTOR', 1),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new GatewayConfigError(`${name} must be a positive integer, got '${env[name]}'`);
  return value;
}
