import { SubscriberConfigError, subscriberConfigFromEnv } from './config';

const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/bintrail', KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093' };

describe('subscriberConfigFromEnv', () => {
  it("reads the platform's variables, with its defaults", () => {
    expect(subscriberConfigFromEnv(env, 'replenishment')).toEqual({
      databaseUrl: env.DATABASE_URL,
      kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
      schema: 'bintrail',
      service: 'replenishment',
    });
    expect(subscriberConfigFromEnv({ ...env, BINTRAIL_SCHEMA: 'audit_1', BINTRAIL_TOPIC_PREFIX: 'staging' }, 'replenishment')).toMatchObject({
      schema: 'audit_1',
      topicPrefix: 'staging',
    });
  });

  it.each([
    [{ KAFKA_BROKERS: '127.0.0.1:9092' }, /^DATABASE_URL is required/],
    [{ DATABASE_URL: env.DATABASE_URL }, /^KAFKA_BROKERS is required/],
    [{ ...env, KAFKA_BROKERS: ' , ' }, /^KAFKA_BROKERS is required/],
    [{ ...env, BINTRAIL_SCHEMA: 'Bad-Schema' }, /^BINTRAIL_SCHEMA must be lower-case letters, digits and _/],
    [{ ...env, BINTRAIL_TOPIC_PREFIX: 'bad prefix' }, /^BINTRAIL_TOPIC_PREFIX must be letters, digits/],
  ])('fails fast naming the variable: %j', (vars, message) => {
    expect(() => subscriberConfigFromEnv(vars, 'replenishment')).toThrow(SubscriberConfigError);
    expect(() => subscriberConfigFromEnv(vars, 'replenishment')).toThrow(message);
  });
});
