import { mkdirSync } from 'node:fs';
import { openEmbeddedEventStore, openPostgresEventStore, type SqlEventStore } from '@bintrail/event-store';
import { ConfigError, loadConfig } from './config';

/**
 * Starts Bintrail. Embedded (default): the event store runs in this process on PGlite, its data
 * in a local folder. Distributed: the store is a PostgreSQL server (DATABASE_URL).
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, process.cwd());
  let store: SqlEventStore;
  if (config.mode === 'embedded') {
    mkdirSync(config.dataDir, { recursive: true });
    store = await openEmbeddedEventStore(config.dataDir, { schema: config.schema, source: 'platform' });
    log(`event store: embedded PostgreSQL (PGlite), data in ${config.dataDir}`);
  } else {
    store = await openPostgresEventStore(config.databaseUrl!, { schema: config.schema, source: 'platform' });
    log(`event store: PostgreSQL at ${redact(config.databaseUrl!)}, schema ${config.schema}`);
  }
  log(`event store ready; global log head at position ${await store.headPosition()}. Press Ctrl+C to stop.`);

  const shutdown = async (signal: string): Promise<void> => {
    log(`${signal}: closing the event store`);
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@');
}

function log(message: string): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', service: 'platform', message })}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : (error as Error).stack ?? String(error);
  process.stderr.write(`bintrail failed to start: ${message}\n`);
  process.exit(1);
});
