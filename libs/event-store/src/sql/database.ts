import { Client, Pool, type PoolConfig } from 'pg';
import { messages, parse, protocol, type PGlite } from '@electric-sql/pglite';

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
        const committed = await client.query('COMMIT');
        // COMMIT of a transaction in which a statement failed (its error caught by `work`) rolls it back.
        if (committed.command === 'ROLLBACK') throw new Error('transaction rolled back at COMMIT: a statement in it had failed');
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
  const session = pgliteSession(db);
  return {
    kind: 'pglite',
    query: async <Row>(sql: string, params?: readonly unknown[]) => session.query<Row>(sql, params ?? []),
    exec: async (sql) => {
      await db.exec(sql);
    },
    transaction: (work) => session.transaction(work),
    close: async () => {
      if (options.closeWithStore !== false) await db.close();
    },
  };
}

/** SQL texts kept as prepared statements per database (beyond it, a new text runs unnamed, described each time, as PGlite does). */
const MAX_PREPARED_STATEMENTS = 1_000;
/** Statement names unique in the process: two wrappers of one PGlite must not take the same name. */
let preparedStatements = 0;

/**
 * Statements and transactions as PGlite's own `query` and `transaction` run them (same locks, same serializers
 * chosen by the parameter types the server infers, same parsers, same errors, the same sync to its files), but
 * with fewer calls into PostgreSQL, each of which costs about 0.15-0.2 ms of CPU on the bench machine (the
 * embedded platform runs some twenty statements and several transactions per command batch):
 * - a statement, with parameters or without, is one call instead of six: bind, describe, execute and sync go
 *   in one protocol buffer (statements without parameters went to PGlite's own `query` until the order service's
 *   list of warehouses, read for every order, showed it);
 * - each SQL text is parsed, analysed and described once, as a named prepared statement of the session (PGlite
 *   asked for the parameter types, and PostgreSQL parsed and analysed the text, on every call). PostgreSQL's plan
 *   cache re-analyses a prepared statement when a table it uses changes (a rebuild's table swap, a migration);
 *   a statement whose result columns changed under it (PostgreSQL refuses to run it: 0A000) is prepared again
 *   on its next use;
 * - a transaction's BEGIN goes in the buffer of its first statement, and its COMMIT is one call (PGlite's
 *   `transaction` made two calls of each, so a consumer's batch of three statements took seven calls, now four);
 *   a transaction that ran no statement sends neither;
 * - a prepared statement is planned once, for any parameters (`plan_cache_mode = force_generic_plan` in this
 *   session). Left to choose, PostgreSQL planned the read models' statements, which join rows to `unnest` of
 *   array parameters, anew on every call: a projection's read took 0.95 ms of PGlite's time per call under the
 *   receipts bench, 0.29 ms planned once. The statements here look rows up by key, where one plan fits all.
 */
function pgliteSession(db: PGlite) {
  const prepared = new Map<string, { readonly name: string; readonly types: readonly number[] }>();
  // Queued now, so it runs before any statement of this session (PGlite runs calls in the order they came).
  const configured = db.exec('SET plan_cache_mode = force_generic_plan').then(() => undefined);
  configured.catch(() => undefined); // a closed database: each statement reports it when it awaits this
  const { serialize } = protocol;
  const concat = (parts: readonly Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  const call = (parts: readonly Uint8Array[]) => db.execProtocolStream(concat(parts), { syncToFs: false });
  /** `before`: messages to send ahead of the statement's first call (a transaction's BEGIN), once. */
  const run = async <Row>(sql: string, params: readonly unknown[], before: () => readonly Uint8Array[]): Promise<{ rows: Row[] }> => {
    let statement = prepared.get(sql);
    try {
      if (statement === undefined) {
        const name = prepared.size < MAX_PREPARED_STATEMENTS ? `bintrail_${++preparedStatements}` : '';
        const described = await call([...before(), serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()]);
        statement = { name, types: parse.parseDescribeStatementResults(described) };
        if (name) prepared.set(sql, statement);
      }
      const { name, types } = statement;
      const values = params.map((value, i) => {
        if (value === null || value === undefined) return null;
        const serializer = db.serializers[types[i]!];
        return serializer ? serializer(value) : (value as { toString(): string }).toString();
      });
      const results = await call([
        ...before(),
        ...(name ? [] : [serialize.parse({ text: sql })]),
        serialize.bind({ statement: name, values }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ]);
      // The statement's result is the last (a BEGIN sent ahead of it has its own).
      return parse.parseResults(results, db.parsers).at(-1) as unknown as { rows: Row[] };
    } catch (error) {
      if (error instanceof messages.DatabaseError) {
        // "cached plan must not change result type": prepare it again next time (the old name is left unused).
        if (error.code === '0A000' && statement && prepared.get(sql) === statement) prepared.delete(sql);
        // As PGlite's query: a database error carries the statement and its parameters.
        Object.assign(error, { query: sql, params, queryOptions: undefined });
      }
      throw error;
    }
  };
  const nothingBefore = (): readonly Uint8Array[] => [];
  return {
    /** A statement in a transaction of its own (autocommit), synced to the files after, as PGlite's `query`. */
    async query<Row>(sql: string, params: readonly unknown[]): Promise<{ rows: Row[] }> {
      await configured;
      await db._checkReady();
      return db._runExclusiveTransaction(() =>
        db._runExclusiveQuery(async () => {
          const result = await run<Row>(sql, params, nothingBefore);
          await db.syncToFs();
          return result;
        }),
      );
    },

    /** Runs `work` in one transaction, alone on the database (PGlite's transaction lock); rolls back if it throws. */
    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      await configured;
      await db._checkReady();
      return db._runExclusiveTransaction(async () => {
        let begun = false;
        let closed = false;
        const begin = (): readonly Uint8Array[] => {
          if (begun) return [];
          begun = true;
          return [serialize.query('BEGIN')];
        };
        const open = (): void => {
          if (closed) throw new Error('Transaction is closed');
        };
        const tx: SqlExecutor = {
          query: async <Row>(sql: string, params: readonly unknown[] = []) => {
            open();
            return db._runExclusiveQuery(() => run<Row>(sql, params, begin));
          },
          exec: async (sql) => {
            open();
            await db._runExclusiveQuery(() => call([...begin(), serialize.query(sql)]));
          },
        };
        let result: T;
        try {
          result = await work(tx);
        } catch (error) {
          closed = true;
          if (begun) await db._runExclusiveQuery(() => call([serialize.query('ROLLBACK')]));
          throw error;
        }
        closed = true;
        if (!begun) return result;
        const committed = parse.parseResults(await db._runExclusiveQuery(() => call([serialize.query('COMMIT')])), db.parsers).at(-1) as { command?: string };
        // COMMIT of a transaction in which a statement failed (its error caught by `work`) rolls it back.
        if (committed.command === 'ROLLBACK') throw new Error('transaction rolled back at COMMIT: a statement in it had failed');
        await db.syncToFs();
        return result;
      });
    },
  };
}
