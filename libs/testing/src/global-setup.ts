import { provisionPostgres, type ProvisionedPostgres } from './postgres';

declare global {
  // Shared between Jest's global setup and teardown (same process).
  var __bintrailInfra: { postgres?: ProvisionedPostgres } | undefined;
}

/**
 * Jest global setup (runs once per project that lists it; later runs reuse what the first provisioned).
 * Test workers are forked after it and inherit the environment variables it sets.
 */
export default async function globalSetup(): Promise<void> {
  globalThis.__bintrailInfra ??= {};
  const infra = globalThis.__bintrailInfra;
  if (!infra.postgres) {
    infra.postgres = await provisionPostgres();
    process.env.DATABASE_URL = infra.postgres.url;
  }
}
