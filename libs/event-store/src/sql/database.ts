import { Pool, type PoolConfig } from 'pg';
import type { PGlite, Transaction } from '@electric-sql/pglite';

/** The little the SQL event store needs from a connection: parameterised queries and multi-statement scripts. */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: Row[] }>;
  exec(sql: string): Promise<void>;
}

/** A PostgreSQL engine: a `pg` pool on a server, or embedded PGlite. The SQL is the same. */
export interface SqlDatabase extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function postgresDatabase(config: PoolConfig | string): SqlDatabase {
  const pool = new Pool(typeof config === 'string' ? { connectionString: config } : config);
  // An idle client losing its server connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return {
    kind: 'postgres',
    query: async <Row>(sql: string, params?: readonly unknown[]) => pool.query(sql, params as unknown[]) as unknown as { rows: Row[] },
    exec: async (sql) => {
      await pool.query(sql);
    },
    transaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          query: async <Row>(sql: string, params?: readonly unknown[]) => client.query(sql, params as unknown[]) as unknown as { rows: Row[] },
          exec: async (sql) => {
            await client.query(sql);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export function pgliteDatabase(db: PGlite, options: { closeWithStore?: boolean } = {}): SqlDatabase {
  const wrap = (q: PGlite | Transaction): SqlExecutor => ({
    query: async <Row>(sql: string, params?: readonly unknown[]) => q.query<Row>(sql, params as unknown[]),
    exec: async (sql) => {
      await q.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    close: async () => {
      if (options.closeWithStore !== false) await db.close();
    },
  };
}
