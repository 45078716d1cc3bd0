import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { pgliteDatabase, postgresDatabase } from './database';
import { SqlEventStore } from './sql-event-store';

/**
 * A SQL event store on a fresh schema of the test PostgreSQL server, or on a fresh PGlite data folder.
 * Test helper: sits beside the tests that use it; eslint.config.mjs keeps production code from importing it.
 */
export interface SqlTarget {
  readonly name: 'postgres' | 'pglite';
  open(): Promise<SqlEventStore>;
  cleanup(): Promise<void>;
}

export function postgresTarget(poolSize = 12): SqlTarget {
  const schema = uniqueSchema('es');
  return {
    name: 'postgres',
    open: () => SqlEventStore.open(postgresDatabase({ connectionString: testDatabaseUrl(), max: poolSize }), { schema }),
    cleanup: () => dropSchema(testDatabaseUrl(), schema),
  };
}

export function pgliteTarget(): SqlTarget {
  const dir = mkdtempSync(join(tmpdir(), 'bintrail-pglite-'));
  return {
    name: 'pglite',
    open: async () => SqlEventStore.open(pgliteDatabase(await PGlite.create({ dataDir: dir })), { schema: 'bintrail' }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
