import { provisionKafka, type ProvisionedKafka } from './kafka';
import { provisionPostgres, type ProvisionedPostgres } from './postgres';
import { ensureDebianTools } from './tools';

declare global {
  // Shared between Jest's global setup and teardown (same process).
  var __bintrailInfra: { postgres?: ProvisionedPostgres; kafka?: ProvisionedKafka } | undefined;
}

/**
 * Jest global setup (runs once per project that lists it; later runs reuse what the first provisioned).
 * Test workers are forked after it and inherit the environment variables it sets.
 */
export default async function globalSetup(): Promise<void> {
  globalThis.__bintrailInfra ??= {};
  const infra = globalThis.__bintrailInfra;
  if (!infra.postgres) ensureDebianTools();
  const [postgres, kafka] = await Promise.all([
    infra.postgres ?? provisionPostgres(),
    infra.kafka ?? provisionKafka(),
  ]);
  infra.postgres = postgres;
  infra.kafka = kafka;
  process.env.DATABASE_URL = postgres.url;
  process.env.KAFKA_BROKERS = kafka.brokers.join(',');
}
