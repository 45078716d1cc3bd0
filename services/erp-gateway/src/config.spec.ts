import { GatewayConfigError, loadGatewayConfig } from './config';

describe('ERP gateway configuration (the platform variable names, plus PLATFORM_URL)', () => {
  const required = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };

  it('defaults to the platform on 127.0.0.1:3000, schema and topic prefix bintrail', () => {
    expect(loadGatewayConfig(required)).toEqual({
      platformUrl: 'http://127.0.0.1:3000',
      kafkaBrokers: ['127.0.0.1:9092'],
      databaseUrl: required.DATABASE_URL,
      schema: 'bintrail',
      topicPrefix: 'bintrail',
      topicPartitions: 6,
      topicReplicationFactor: 1,
    });
    expect(loadGatewayConfig({ ...required, PLATFORM_URL: 'http://proxy:3000/', BINTRAIL_TOPIC_PREFIX: 'test.1' })).toMatchObject({ platformUrl: 'http://proxy:3000', topicPrefix: 'test.1' });
  });

  it('fails naming the variable that is missing or wrong', () => {
    expect(() => loadGatewayConfig({ DATABASE_URL: required.DATABASE_URL })).toThrow(/^KAFKA_BROKERS is required/);
    expect(() => loadGatewayConfig({ KAFKA_BROKERS: required.KAFKA_BROKERS })).toThrow(/^DATABASE_URL is required/);
    expect(() => loadGatewayConfig({ ...required, PLATFORM_URL: 'ftp://x' })).toThrow(GatewayConfigError);
    expect(() => loadGatewayConfig({ ...required, BINTRAIL_SCHEMA: 'Bad-Schema' })).toThrow(/^BINTRAIL_SCHEMA must be/);
    expect(() => loadGatewayConfig({ ...required, TOPIC_PARTITIONS: '0' })).toThrow(/^TOPIC_PARTITIONS must be a positive integer/);
  });
});
