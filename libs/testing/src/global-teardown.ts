export default async function globalTeardown(): Promise<void> {
  const infra = globalThis.__bintrailInfra;
  if (!infra) return;
  globalThis.__bintrailInfra = undefined;
  await Promise.all([infra.postgres?.stop(), infra.kafka?.stop()]);
}
