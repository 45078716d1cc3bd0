import { Client, Pool, type PoolConfig } from 'pg';
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
  /**
   * A server only: LISTEN on `channel` over a connection of its own (outside the pool), calling `onNotify` with
   * each payload; reconnects after a lost connection (notifications sent meanwhile are lost: listeners must also
   * poll). Resolves once listening.
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<{ close(): Promise<void> }>;
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
      // A checked-out client whose server connection dies emits 'error'; unheard, that crashes the process.
      const onConnectionError = () => undefined;
      client.on('error', onConnectionError);
      // Set when the session must not be reused: closing it frees whatever it still holds (session locks).
      let discard: Error | undefined;
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
        // Cancelled or timed out (57014): a statement stopped part-way; do not trust the session.
        // Ordinary errors (e.g. an expected-version conflict) keep the connection: reconnecting is slow.
        if ((error as { code?: unknown }).code === '57014') discard = error as Error;
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          discard ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      } finally {
        client.off('error', onConnectionError);
        client.release(discard);
      }
    },
    listen: (channel, onNotify) => listenOn(typeof config === 'string' ? { connectionString: config } : config, channel, onNotify),
    close: () => pool.end(),
  };
}

async function listenOn(config: PoolConfig, channel: string, onNotify: (payload: string) => void): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new Client({ ...config, application_name: config.application_name ?? 'bintrail-listen' });
    next.on('notification', (message) => onNotify(message.payload ?? ''));
    next.on('error', () => {
      // The connection is gone: listen again after a pause (the pool's users are unaffected).
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!closed) retry = setTimeout(reconnect, 1_000);
    });
    await next.connect();
    await next.query(`LISTEN ${JSON.stringify(channel)}`);
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  };
  const reconnect = (): void => {
    connect().catch(() => {
      if (!closed) retry = setTimeout(reconnect, 1_000);
    });
  };
  await connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
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
