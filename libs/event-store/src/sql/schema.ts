import type { SqlDatabase } from './database';

/** Stable 63-bit advisory lock key for a purpose within a schema (two schemas never share a lock). */
export function lockKey(schema: string, purpose: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(`${schema}:${purpose}`)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h & 0x7fffffffffffffffn;
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name '${name}': use lower-case letters, digits and _`);
  return `"${name}"`;
}

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: (s: string, keys: { sequencer: bigint; appending: bigint }) => string;
}

const RETRY_CHECK_V1 = "e.event_id IN (SELECT (x->>'eventId')::uuid FROM jsonb_array_elements(p_events) x)";
const RETRY_CHECK_V2 = "e.event_id = (p_events->0->>'eventId')::uuid";

/** The append function: one round trip per append (see the comment on MIGRATIONS for the ordering rule). */
function appendFunction(s: string, sequencer: bigint, create: 'CREATE' | 'CREATE OR REPLACE', retryCheck: string): string {
  return `
      ${create} FUNCTION ${s}.append_to_stream(p_stream_id text, p_expected text, p_expected_version bigint, p_events jsonb)
      RETURNS TABLE (r_event_id uuid, r_stream_id text, r_stream_position bigint, r_global_position bigint,
                     r_type text, r_data jsonb, r_already_stored boolean, r_next_version bigint)
      LANGUAGE plpgsql AS $fn$
      DECLARE
        v_count integer := jsonb_array_length(p_events);
        v_current bigint;
        v_tx xid8;
        v_first bigint;
      BEGIN
        -- A retried append: hand back what is stored; the caller checks that it is the same content.
        IF EXISTS (SELECT 1 FROM ${s}.events e WHERE ${retryCheck}) THEN
          RETURN QUERY
            SELECT e.event_id, e.stream_id, e.stream_position, e.global_position, e.type, e.data, true,
                   (SELECT coalesce(max(c.stream_position), 0) FROM ${s}.events c WHERE c.stream_id = p_stream_id)
            FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(ev, ord)
            LEFT JOIN ${s}.events e ON e.event_id = (x.ev->>'eventId')::uuid
            ORDER BY x.ord;
          RETURN;
        END IF;

        SELECT coalesce(max(e.stream_position), 0) INTO v_current FROM ${s}.events e WHERE e.stream_id = p_stream_id;
        IF NOT (p_expected = 'any'
                OR (p_expected = 'no-stream' AND v_current = 0)
                OR (p_expected = 'stream-exists' AND v_current > 0)
                OR (p_expected = 'exact' AND v_current = p_expected_version)) THEN
          RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'BT409', DETAIL = v_current::text;
        END IF;

        IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
          RAISE EXCEPTION 'append_to_stream must be the first write of its transaction (global order depends on it)'
            USING ERRCODE = 'BT400';
        END IF;

        BEGIN
          PERFORM pg_advisory_lock(${sequencer});
          v_tx := pg_current_xact_id();
          v_first := nextval('${s}.global_position_seq');
          IF v_count > 1 THEN
            PERFORM setval('${s}.global_position_seq', v_first + v_count - 1);
          END IF;
          PERFORM pg_advisory_unlock(${sequencer});
        EXCEPTION WHEN OTHERS THEN
          PERFORM pg_advisory_unlock(${sequencer});
          RAISE;
        END;

        RETURN QUERY
          INSERT INTO ${s}.events AS e (global_position, tx_id, stream_id, stream_position, event_id, type, category,
                                        version, data, metadata, occurred_at)
          SELECT v_first + x.ord - 1, v_tx, p_stream_id, v_current + x.ord, (x.ev->>'eventId')::uuid, x.ev->>'type',
                 x.ev->>'category', (x.ev->>'version')::integer, x.ev->'data', x.ev->'metadata',
                 (x.ev->>'occurredAt')::timestamptz
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(ev, ord)
          RETURNING e.event_id, e.stream_id, e.stream_position, e.global_position, NULL::text, NULL::jsonb, false,
                    v_current + v_count;
      END
      $fn$;
`;
}

/**
 * The append function from migration 3 on. Differences from appendFunction:
 * - The sequencer lock is released on every exit path. `WHEN OTHERS` does not catch query_canceled
 *   (statement timeout, pg_cancel_backend), so v1/v2 left the session holding the lock after a
 *   cancel inside the critical section, and every other connection's append then waited forever.
 *   `v_locked` is set in the same expression as the lock/unlock call, so no interrupt lands between
 *   them; if the wait for the lock itself is interrupted just as it is granted, PostgreSQL keeps the
 *   lock, which the handler finds in pg_locks (only in that rare case).
 * - Two identical appends in flight together: the second one's retry check cannot see the first's
 *   uncommitted rows, so it passes the version check and then fails on a unique index once the first
 *   commits (or, if the first commits right after the retry check, fails the version check). Both
 *   failure paths look again (each statement takes a new snapshot under READ COMMITTED) and, if the
 *   first event id is stored now, answer like a retry instead of reporting a conflict. This happens
 *   here, not in the client, so a caller's transaction stays usable.
 * One exception block (one subtransaction) per append holds both the critical section and the insert.
 * The insert's rows go through a sort (which reads them all before returning any): rows already
 * handed to RETURN QUERY are not taken back when the block fails, so none may leave before it succeeds.
 */
function appendFunctionV3(s: string, sequencer: bigint, appending?: bigint): string {
  const storedRows = `
            SELECT e.event_id, e.stream_id, e.stream_position, e.global_position, e.type, e.data, true,
                   (SELECT coalesce(max(c.stream_position), 0) FROM ${s}.events c WHERE c.stream_id = p_stream_id)
            FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(ev, ord)
            LEFT JOIN ${s}.events e ON e.event_id = (x.ev->>'eventId')::uuid
            ORDER BY x.ord`;
  const firstIdStored = `EXISTS (SELECT 1 FROM ${s}.events e WHERE e.event_id = (p_events->0->>'eventId')::uuid)`;
  // pg_locks shows a bigint advisory key as classid (high 32 bits), objid (low 32 bits), objsubid 1.
  const heldInPgLocks = `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.granted
                      AND l.classid = '${sequencer >> 32n}'::oid AND l.objid = '${sequencer & 0xffffffffn}'::oid AND l.objsubid = 1)`;
  return `
      CREATE OR REPLACE FUNCTION ${s}.append_to_stream(p_stream_id text, p_expected text, p_expected_version bigint, p_events jsonb)
      RETURNS TABLE (r_event_id uuid, r_stream_id text, r_stream_position bigint, r_global_position bigint,
                     r_type text, r_data jsonb, r_already_stored boolean, r_next_version bigint)
      LANGUAGE plpgsql AS $fn$
      DECLARE
        v_count integer := jsonb_array_length(p_events);
        v_current bigint;
        v_tx xid8;
        v_first bigint;
        v_locked boolean := false;
      BEGIN
        -- A retried append: hand back what is stored; the caller checks that it is the same content.
        IF ${firstIdStored} THEN
          RETURN QUERY ${storedRows};
          RETURN;
        END IF;

        SELECT coalesce(max(e.stream_position), 0) INTO v_current FROM ${s}.events e WHERE e.stream_id = p_stream_id;
        IF NOT (p_expected = 'any'
                OR (p_expected = 'no-stream' AND v_current = 0)
                OR (p_expected = 'stream-exists' AND v_current > 0)
                OR (p_expected = 'exact' AND v_current = p_expected_version)) THEN
          -- The same append may have committed since the retry check (its rows are what moved the stream).
          IF ${firstIdStored} THEN
            RETURN QUERY ${storedRows};
            RETURN;
          END IF;
          RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'BT409', DETAIL = v_current::text;
        END IF;

        IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
          RAISE EXCEPTION 'append_to_stream must be the first write of its transaction (global order depends on it)'
            USING ERRCODE = 'BT400';
        END IF;

${appending === undefined ? '' : `        -- Marks this transaction as an appender until it ends, before it has an id (see logHorizonFunction).
        PERFORM pg_advisory_xact_lock_shared(${appending});
`}        BEGIN
          v_locked := pg_advisory_lock(${sequencer}) IS NOT NULL;
          v_tx := pg_current_xact_id();
          v_first := nextval('${s}.global_position_seq');
          IF v_count > 1 THEN
            PERFORM setval('${s}.global_position_seq', v_first + v_count - 1);
          END IF;
          v_locked := NOT pg_advisory_unlock(${sequencer});

          RETURN QUERY
            WITH inserted AS (
              INSERT INTO ${s}.events AS e (global_position, tx_id, stream_id, stream_position, event_id, type, category,
                                            version, data, metadata, occurred_at)
              SELECT v_first + x.ord - 1, v_tx, p_stream_id, v_current + x.ord, (x.ev->>'eventId')::uuid, x.ev->>'type',
                     x.ev->>'category', (x.ev->>'version')::integer, x.ev->'data', x.ev->'metadata',
                     (x.ev->>'occurredAt')::timestamptz
              FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(ev, ord)
              RETURNING e.event_id, e.stream_id, e.stream_position, e.global_position
            )
            SELECT i.event_id, i.stream_id, i.stream_position, i.global_position, NULL::text, NULL::jsonb, false,
                   v_current + v_count
            FROM inserted i
            ORDER BY i.global_position;
        EXCEPTION WHEN query_canceled OR others THEN
          -- OTHERS alone does not match query_canceled. The lock is held only between the two calls
          -- above (v_first is still NULL if the wait for the lock itself was interrupted).
          IF v_locked OR (v_first IS NULL AND ${heldInPgLocks}) THEN
            PERFORM pg_advisory_unlock(${sequencer});
          END IF;
          -- An identical append in flight together with this one committed first: answer like a retry.
          IF SQLSTATE = '23505' AND ${firstIdStored} THEN
            RETURN QUERY ${storedRows};
            RETURN;
          END IF;
          RAISE;
        END;
      END
      $fn$;
`;
}

/**
 * `log_horizon()`: the transaction id below which a reader of the log may return every event it sees, taken
 * *before* the read's own statement (its snapshot must come later). From migration 4 on it replaces the
 * horizon `pg_snapshot_xmin(pg_current_snapshot())`, which waits for every transaction of the whole server
 * that holds an id — a projection's batch, an inbox's write, another schema's work — and so let each
 * projection transaction hold back every append that came after it began writing.
 *
 * Only appenders can hold back the log. Each marks itself, before it takes its id, with a shared advisory
 * lock on this schema's `appending` key, held until its transaction ends (after it is visible). The horizon
 * is the smallest of
 * - the next transaction id as of the first statement (t0): an id assigned later goes with later positions;
 * - the ids of the transactions holding the mark in one read of pg_locks (t1): those still running.
 * Any appender with a smaller id was done before t1 — committed (so visible to the read's snapshot, taken
 * after t1) or rolled back — since a running one holds the mark from before it had an id. pg_locks shows a
 * 32-bit id; it is widened to the 64-bit id nearest the first bound (a running id may lie above that bound,
 * which is only the oldest id not yet completed, so it cannot serve as a ceiling).
 * Under READ COMMITTED only: a repeatable-read transaction would read with a snapshot older than t1.
 */
function logHorizonFunction(s: string, appending: bigint): string {
  return `
      CREATE OR REPLACE FUNCTION ${s}.log_horizon() RETURNS xid8
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_next bigint;
        v_running xid[];
        v_bound bigint;
      BEGIN
        SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint INTO v_next;
        WITH l AS MATERIALIZED (
          SELECT locktype, database, classid, objid, objsubid, pid, transactionid, mode, granted FROM pg_locks
        )
        SELECT array_agg(t.transactionid) INTO v_running
        FROM l a JOIN l t ON t.pid = a.pid AND t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock' AND t.granted
        WHERE a.locktype = 'advisory' AND a.granted AND a.objsubid = 1
          AND a.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND a.classid = '${appending >> 32n}'::oid AND a.objid = '${appending & 0xffffffffn}'::oid;
        -- x is 32 bits: widened as the one 64-bit id nearest to v_next (running ids are never 2^31 apart).
        SELECT greatest(0, least(v_next, min(v_next + ((x::text::bigint - (v_next % 4294967296) + 6442450944) % 4294967296) - 2147483648)))
          INTO v_bound FROM unnest(v_running) AS x;
        RETURN coalesce(v_bound, v_next)::text::xid8;
      END
      $fn$;
`;
}

/**
 * Versioned migrations, applied in order at start. Never edit one that has shipped: add the next.
 *
 * Gap-free global order: each append takes its transaction id and its block of global positions
 * together, inside a short critical section (session advisory lock, released before the insert),
 * so "larger transaction id" always means "larger positions". Readers only return rows whose
 * transaction id is below the log's horizon (migration 4, logHorizonFunction; before it, the oldest
 * still-running transaction of the server): every appender below it has finished, and every append
 * still able to commit holds larger positions. So a reader never moves its checkpoint past an event
 * that commits later.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events table and append function',
    sql: (s, keys) => `
      CREATE SEQUENCE ${s}.global_position_seq AS bigint;

      CREATE TABLE ${s}.events (
        global_position bigint PRIMARY KEY,
        tx_id xid8 NOT NULL,
        stream_id text NOT NULL,
        stream_position bigint NOT NULL,
        event_id uuid NOT NULL,
        type text NOT NULL,
        category text NOT NULL,
        version integer NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_stream_position_uq UNIQUE (stream_id, stream_position),
        CONSTRAINT events_event_id_uq UNIQUE (event_id)
      );
      CREATE INDEX events_category_position_idx ON ${s}.events (category, global_position);

      ${appendFunction(s, keys.sequencer, 'CREATE', RETRY_CHECK_V1)}
    `,
  },
  {
    version: 2,
    name: 'retry check looks up the first event id only',
    // v1's IN (SELECT … jsonb_array_elements) could get a cached sequential-scan plan per connection,
    // making every append read the whole table. A retry resends the same events, so the first id decides;
    // a later id stored elsewhere still fails on events_event_id_uq and is reported by the caller.
    sql: (s, keys) => appendFunction(s, keys.sequencer, 'CREATE OR REPLACE', RETRY_CHECK_V2),
  },
  {
    version: 3,
    name: 'append releases the sequencer lock on cancel; identical appends in flight together both succeed',
    // See appendFunctionV3. Existing databases get CREATE OR REPLACE FUNCTION; the table is unchanged.
    sql: (s, keys) => appendFunctionV3(s, keys.sequencer),
  },
  {
    version: 4,
    name: 'appenders mark themselves; readers wait only for appenders (log_horizon)',
    // Readers of an older version (tx_id below the oldest running transaction) stay correct with it.
    sql: (s, keys) => `${appendFunctionV3(s, keys.sequencer, keys.appending)}\n${logHorizonFunction(s, keys.appending)}`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The event store's own schema, brought up to date at start. */
export function migrate(db: SqlDatabase, schema: string): Promise<number[]> {
  return runMigrations(db, schema, 'event-store', MIGRATIONS.map((m) => ({ ...m, sql: (s: string) => m.sql(s, { sequencer: lockKey(schema, 'sequencer'), appending: lockKey(schema, 'appending') }) })));
}

export interface ComponentMigration {
  readonly version: number;
  readonly name: string;
  /** SQL for the quoted schema name `s`. */
  readonly sql: (s: string) => string;
}

/**
 * Applies a component's versioned migrations in order (each component — event store, inbox,
 * checkpoints, projections — numbers its own). Safe to run twice, and from two processes at once:
 * everything happens in one transaction under an advisory lock on (schema, component).
 */
export async function runMigrations(db: SqlDatabase, schema: string, component: string, migrations: readonly ComponentMigration[]): Promise<number[]> {
  const s = quoteIdent(schema);
  return db.transaction(async (tx) => {
    // One lock per schema: creating the schema and the bookkeeping table must not race either.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [lockKey(schema, 'migrate').toString()]);
    await tx.exec(`
      CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
        component text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (component, version)
      );`);
    const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations WHERE component = $1`, [component]);
    const applied = new Set(rows.map((r) => Number(r.version)));
    const ran: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql(s));
      await tx.query(`INSERT INTO ${s}.schema_migrations (component, version, name) VALUES ($1, $2, $3)`, [component, migration.version, migration.name]);
      ran.push(migration.version);
    }
    return ran;
  });
}
