import type { SubscriberConfig } from './api';

export class SubscriberConfigError extends Error {
  override readonly name = 'SubscriberConfigError';
}

/**
 * Reads a subscriber service's configuration once at boot, with the platform's variable names and
 * defaults (services/platform/src/config.ts); fails fast naming the variable that is wrong.
 */
export function subscriberConfigFromEnv(env: NodeJS.ProcessEnv, service: string): SubscriberConfig {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (!databaseUrl) throw new SubscriberConfigError('DATABASE_URL is required (e.g. postgres://postgres@127.0.0.1:5432/bintrail)');
  const kafkaBrokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (kafkaBrokers.length === 0) throw new SubscriberConfigError('KAFKA_BROKERS is required (comma-separated, e.g. 127.0.0.1:9092)');
  const schema = env.BINTRAIL_SCHEMA ?? 'bintrail';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new SubscriberConfigError(`BINTRAIL_SCHEMA must be lower-case letters, digits and _, got '${schema}'`);
  }
  const topicPrefix = env.BINTRAIL_TOPIC_PREFIX || undefined;
  if (topicPrefix !== undefined && !/^[a-zA-Z0-9._-]{1,100}$/.test(topicPrefix)) {
    throw new SubscriberConfigError(`BINTRAIL_TOPIC_PREFIX must be letters, digits, '.', '_' or '-', got '${topicPrefix}'`);
  }
  if (!/^[a-z][a-z0-9-]*$/.test(service)) throw new SubscriberConfigError(`service must be lower-case letters, digits and dashes, got '${service}'`);
  return { databaseUrl, schema, kafkaBrokers, service, ...(topicPrefix !== undefined ? { topicPrefix } : {}) };
}
