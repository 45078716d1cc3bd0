export default async function globalTeardown(): Promise<void> {
  const infra = globalThis.__bintrailInfra;
  if (!infra) return;
  globalThis.__bintrailInfra = undefined;
  await infra.postgres?.stop();
}
