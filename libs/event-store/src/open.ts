import { PGlite } from '@electric-sql/pglite';
import { pgliteDatabase, postgresDatabase } from './sql/database';
import { SqlEventStore, type SqlEventStoreOptions } from './sql/sql-event-store';

/** The embedded form: PostgreSQL (PGlite) in this process, its data in `dataDir` (in memory when absent). */
export async function openEmbeddedEventStore(dataDir: string | undefined, options: SqlEventStoreOptions = {}): Promise<SqlEventStore> {
  const db = dataDir ? await PGlite.create({ dataDir }) : await PGlite.create();
  return SqlEventStore.open(pgliteDatabase(db), options);
}

/** The distributed form: a PostgreSQL server. */
export async function openPostgresEventStore(connectionString: string, options: SqlEventStoreOptions & { poolSize?: number } = {}): Promise<SqlEventStore> {
  return SqlEventStore.open(postgresDatabase({ connectionString, max: options.poolSize ?? 10 }), options);
}
