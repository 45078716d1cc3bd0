import { PGlite } from '@electric-sql/pglite';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { pgliteDatabase, postgresDatabase, type SqlDatabase } from './database';

/** A database a read model's tests run on, with fresh schemas for them and the cleanup after them. */
export interface ReadModelDatabase {
  open(): SqlDatabase;
  /** A new schema name (unquoted), not created yet. */
  schema(): string;
  cleanup(): Promise<void>;
}

/**
 * PGlite (in memory) and the test PostgreSQL server, for `describe.each`: a read model's set-based batch path
 * is checked against its event-by-event path on both engines it runs on. Schemas on the server are dropped by
 * `cleanup`. Test helper: import from `@bintrail/event-store/testing` in test files only.
 */
export function readModelDatabases(prefix: string): [string, () => ReadModelDatabase][] {
  return [
    [
      'PGlite',
      () => {
        let n = 0;
        return { open: () => pgliteDatabase(new PGlite()), schema: () => `${prefix}_${++n}`, cleanup: async () => undefined };
      },
    ],
    [
      'PostgreSQL',
      () => {
        const schemas: string[] = [];
        return {
          open: () => postgresDatabase({ connectionString: testDatabaseUrl(), max: 2 }),
          schema: () => {
            schemas.push(uniqueSchema(prefix));
            return schemas.at(-1)!;
          },
          cleanup: async () => {
            for (const schema of schemas) await dropSchema(testDatabaseUrl(), schema);
          },
        };
      },
    ],
  ];
}
