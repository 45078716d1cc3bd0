export * from './port';
export * from './errors';
export { InMemoryEventStore } from './in-memory';
export { SqlEventStore, type SqlEventStoreOptions } from './sql/sql-event-store';
export { postgresDatabase, pgliteDatabase, type SqlDatabase, type SqlExecutor } from './sql/database';
export { migrate, runMigrations, lockKey, quoteIdent, LATEST_SCHEMA_VERSION, type ComponentMigration } from './sql/schema';
export { openEmbeddedEventStore, openPostgresEventStore } from './open';
