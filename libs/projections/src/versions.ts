import { createHash } from 'node:crypto';
import { quoteIdent, runMigrations, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';

/**
 * Bookkeeping of blue/green rebuilds, in the live schema: which version of each projection serves
 * (and which tables are its), and the rebuild under way, whose position moves in the same
 * transaction as the shadow tables' rows (so a killed rebuild resumes exactly where it stopped).
 */
export async function migrateProjectionBookkeeping(db: SqlDatabase, schema: string): Promise<void> {
  await runMigrations(db, schema, 'projections', [
    {
      version: 1,
      name: 'projection versions and rebuilds',
      sql: (s) => `
        CREATE TABLE ${s}.projection_versions (
          name text PRIMARY KEY,
          version integer NOT NULL,
          tables text[] NOT NULL DEFAULT '{}',
          switched_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE ${s}.projection_rebuilds (
          name text PRIMARY KEY,
          version integer NOT NULL,
          shadow_schema text NOT NULL,
          position bigint NOT NULL DEFAULT 0,
          head bigint NOT NULL DEFAULT 0,
          applied bigint NOT NULL DEFAULT 0,
          owner text NOT NULL,
          started_at timestamptz NOT NULL DEFAULT now(),
          heartbeat_at timestamptz NOT NULL DEFAULT now()
        );`,
    },
  ]);
}

export const groupOf = (name: string): string => `projection:${name}`;

/** Where version N+1 is built: one schema per projection, beside the live one (≤ 63 bytes, PostgreSQL's limit). */
export function shadowSchemaOf(schema: string, name: string): string {
  const plain = `${schema}_rebuild_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (plain.length <= 63) return plain;
  return `${plain.slice(0, 54)}_${createHash('sha1').update(plain).digest('hex').slice(0, 8)}`;
}

export interface StoredVersion {
  readonly version: number;
  readonly tables: readonly string[];
  /** When this version started serving (its last blue/green switch). */
  readonly switchedAt?: string;
}

export async function storedVersion(db: SqlExecutor, schema: string, name: string): Promise<StoredVersion | undefined> {
  const { rows } = await db.query<{ version: number; tables: string[]; switched_at: Date | string }>(
    `SELECT version, tables, switched_at FROM ${quoteIdent(schema)}.projection_versions WHERE name = $1`,
    [name],
  );
  return rows[0] ? { version: Number(rows[0].version), tables: rows[0].tables ?? [], switchedAt: new Date(rows[0].switched_at).toISOString() } : undefined;
}

export async function recordVersion(db: SqlExecutor, schema: string, name: string, version: number, tables: readonly string[]): Promise<void> {
  await db.query(
    `INSERT INTO ${quoteIdent(schema)}.projection_versions (name, version, tables) VALUES ($1, $2, $3::text[])
     ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, tables = EXCLUDED.tables, switched_at = now()`,
    [name, version, [...tables]],
  );
}

/** Base tables of a schema (not the migrations' bookkeeping). */
export async function tablesOf(db: SqlExecutor, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations' ORDER BY tablename`, [schema]);
  return rows.map((r) => r.tablename);
}

export async function liveCheckpoint(db: SqlExecutor, schema: string, name: string): Promise<number | undefined> {
  const { rows } = await db.query<{ position: string }>(`SELECT position FROM ${quoteIdent(schema)}.consumer_checkpoints WHERE group_id = $1`, [groupOf(name)]);
  return rows[0] ? Number(rows[0].position) : undefined;
}
