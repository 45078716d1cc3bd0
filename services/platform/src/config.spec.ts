import { ConfigError, loadConfig } from './config';

describe('platform configuration', () => {
  it('defaults to the embedded mode with data under .bintrail/data', () => {
    expect(loadConfig({}, '/srv/app')).toEqual({
      mode: 'embedded',
      dataDir: '/srv/app/.bintrail/data',
      databaseUrl: undefined,
      schema: 'bintrail',
      kafkaBrokers: [],
      topicPartitions: 6,
      topicReplicationFactor: 1,
      port: 3000,
      host: '127.0.0.1',
      readWaitMs: 2000,
      idempotencyTtlHours: 24,
    });
  });

  it('names the missing variable when the distributed mode has no database', () => {
    expect(() => loadConfig({ BINTRAIL_MODE: 'distributed' }, '/')).toThrow(ConfigError);
    expect(() => loadConfig({ BINTRAIL_MODE: 'distributed' }, '/')).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ BINTRAIL_MODE: 'distributed', DATABASE_URL: 'postgres://db/x' }, '/')).toThrow(/KAFKA_BROKERS/);
    expect(loadConfig({ BINTRAIL_MODE: 'distributed', DATABASE_URL: 'postgres://db/x', KAFKA_BROKERS: 'k1:9092, k2:9092' }, '/').kafkaBrokers).toEqual([
      'k1:9092',
      'k2:9092',
    ]);
  });

  it('refuses an unknown mode and an unsafe schema name', () => {
    expect(() => loadConfig({ BINTRAIL_MODE: 'cluster' }, '/')).toThrow(/BINTRAIL_MODE/);
    expect(() => loadConfig({ BINTRAIL_SCHEMA: 'x; drop table' }, '/')).toThrow(/BINTRAIL_SCHEMA/);
    expect(() => loadConfig({ TOPIC_PARTITIONS: '0' }, '/')).toThrow(/TOPIC_PARTITIONS must be a positive integer, got '0'/);
    expect(() => loadConfig({ TOPIC_REPLICATION_FACTOR: 'three' }, '/')).toThrow(/TOPIC_REPLICATION_FACTOR/);
  });

  it('reads the read-your-writes wait and the idempotency key lifetime, refusing nonsense', () => {
    expect(loadConfig({ BINTRAIL_READ_WAIT_MS: '500', BINTRAIL_IDEMPOTENCY_TTL_HOURS: '48' }, '/')).toMatchObject({ readWaitMs: 500, idempotencyTtlHours: 48 });
    expect(loadConfig({ BINTRAIL_READ_WAIT_MS: '0' }, '/').readWaitMs).toBe(0);
    expect(() => loadConfig({ BINTRAIL_READ_WAIT_MS: '-1' }, '/')).toThrow(/BINTRAIL_READ_WAIT_MS must be an integer from 0 to 60000/);
    expect(() => loadConfig({ BINTRAIL_READ_WAIT_MS: 'soon' }, '/')).toThrow(/BINTRAIL_READ_WAIT_MS/);
    expect(() => loadConfig({ BINTRAIL_IDEMPOTENCY_TTL_HOURS: '0' }, '/')).toThrow(/BINTRAIL_IDEMPOTENCY_TTL_HOURS must be a positive integer/);
  });
});
