import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@bintrail/contracts';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { Client, type PoolConfig } from 'pg';
import { WrongExpectedVersion } from '../errors';
import type { AppendResult, ExpectedVersion } from '../port';
import { postgresDatabase } from './database';
import { lockKey } from './schema';
import { SqlEventStore } from './sql-event-store';

// Faults of the append path on a real PostgreSQL server: the sequencer's session advisory lock must
// be released on every exit path (cancel, statement timeout, killed connection), and two identical
// appends in flight together must both succeed (a retry overlapping its own first try).

const url = testDatabaseUrl();
const PROMPTLY_MS = 5_000;

/** Rejects with `message` when `promise` has not settled within `ms` (so a leaked lock fails the test instead of hanging Jest). */
function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const event = (data: unknown = { quantity: 1 }, eventId = randomUUID()): NewEvent => ({ type: 'warehouse.StockReceived', eventId, data });

async function openStore(schema: string, config: PoolConfig = {}): Promise<SqlEventStore> {
  return SqlEventStore.open(postgresDatabase({ connectionString: url, max: 4, ...config }), { schema });
}

describe('PostgreSQL: the sequencer lock never outlives an interrupted append', () => {
  let schema: string;
  let admin: Client;
  let holder: Client | undefined;
  const stores: SqlEventStore[] = [];

  /** The sequencer's advisory lock as pg_locks shows it (a bigint key is split into classid/objid). */
  const sequencerLocks = async (pid?: number): Promise<number[]> => {
    const key = lockKey(schema, 'sequencer');
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1
         AND ($3::int IS NULL OR pid = $3)`,
      [(key >> 32n).toString(), (key & 0xffffffffn).toString(), pid ?? null],
    );
    return rows.map((r) => r.pid);
  };

  /** Blocks nextval inside the append's critical section: ALTER SEQUENCE locks the sequence until commit. */
  const holdSequence = async (): Promise<Client> => {
    holder = new Client({ connectionString: url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`ALTER SEQUENCE "${schema}".global_position_seq INCREMENT BY 1`);
    return holder;
  };
  const releaseSequence = async (): Promise<void> => {
    await holder?.query('COMMIT');
    await holder?.end();
    holder = undefined;
  };

  /**
   * The backend running this schema's append, once it waits on a lock: by default on the sequence
   * while holding the sequencer lock (inside the critical section), else on the sequencer lock itself.
   */
  const appendBackendInCriticalSection = async (waitingFor: 'sequence' | 'sequencer' = 'sequence'): Promise<number> => {
    const deadline = Date.now() + PROMPTLY_MS;
    for (;;) {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
         WHERE query LIKE $1 AND state = 'active' AND wait_event_type = 'Lock' AND wait_event = $2 AND pid <> pg_backend_pid()`,
        [`%"${schema}".append_to_stream%`, waitingFor === 'sequence' ? 'relation' : 'advisory'],
      );
      if (rows.length === 1 && (await sequencerLocks(rows[0]!.pid)).length === (waitingFor === 'sequence' ? 1 : 0)) return rows[0]!.pid;
      if (Date.now() > deadline) throw new Error(`no append of schema ${schema} found waiting on the ${waitingFor}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  /** After the interruption: another connection's append completes promptly and no sequencer lock is left. */
  const expectSequencerFree = async (store: SqlEventStore): Promise<void> => {
    const other = await openStore(schema, { max: 2 });
    stores.push(other);
    const result = await within(
      other.appendToStream(`warehouse-OTHER-${randomUUID()}`, [event()]),
      PROMPTLY_MS,
      `an append on another connection did not complete within ${PROMPTLY_MS} ms: the interrupted append's session kept the sequencer lock ` +
        '(it hangs until that pooled connection is closed)',
    );
    expect(result.alreadyStored).toBe(false);
    expect(await sequencerLocks()).toEqual([]);
    // The interrupted store's own pool still works too.
    await within(store.appendToStream(`warehouse-SAME-${randomUUID()}`, [event()]), PROMPTLY_MS, 'the interrupted store cannot append any more');
  };

  beforeEach(async () => {
    schema = uniqueSchema('esq');
    admin = new Client({ connectionString: url });
    await admin.connect();
  });

  afterEach(async () => {
    await holder?.end().catch(() => undefined);
    holder = undefined;
    // The interrupted store first: closing its pool ends a session that might still hold the lock.
    for (const store of stores.splice(0)) await store.close();
    await admin.end();
    await dropSchema(url, schema);
  });

  it('releases it when the append is cancelled (pg_cancel_backend) inside withTransaction', async () => {
    const store = await openStore(schema);
    stores.push(store);
    await holdSequence();
    const appending = store.withTransaction((tx) => tx.appendToStream('warehouse-CANCELLED', [event()])).catch((e: unknown) => e);
    const pid = await appendBackendInCriticalSection();

    await admin.query('SELECT pg_cancel_backend($1)', [pid]);
    expect(await within(appending, PROMPTLY_MS, 'the cancelled append did not end')).toMatchObject({ code: '57014' });
    await releaseSequence();

    await expectSequencerFree(store);
    expect(await store.readStream('warehouse-CANCELLED')).toEqual([]);
  });

  it.each([
    ['statement_timeout in the pool config', 'pool'],
    ['SET LOCAL statement_timeout before the append', 'set-local'],
  ] as const)('releases it when the append hits a statement timeout (%s)', async (_how, how) => {
    const store = await openStore(schema, how === 'pool' ? { statement_timeout: 1500 } : {});
    stores.push(store);
    await holdSequence();
    const appending = (
      how === 'pool'
        ? store.withTransaction((tx) => tx.appendToStream('warehouse-TIMED-OUT', [event()]))
        : store.db.transaction(async (q) => {
            // SET LOCAL is not a write: the append is still the transaction's first write.
            await q.query("SET LOCAL statement_timeout = '1500ms'");
            return store.appendWith(q, 'warehouse-TIMED-OUT', [event()]);
          })
    ).catch((e: unknown) => e);
    await appendBackendInCriticalSection();

    const error = await within(appending, PROMPTLY_MS, 'the append did not time out');
    expect(error).toMatchObject({ code: '57014', message: expect.stringContaining('statement timeout') });
    await releaseSequence();

    await expectSequencerFree(store);
    expect(await store.readStream('warehouse-TIMED-OUT')).toEqual([]);
  });

  it('releases nothing when cancelled while still waiting for the sequencer lock', async () => {
    // The handler's other path: the lock was never granted (it checks pg_locks, and must not unlock).
    const store = await openStore(schema);
    stores.push(store);
    const key = lockKey(schema, 'sequencer').toString();
    await admin.query('SELECT pg_advisory_lock($1)', [key]);
    const appending = store.withTransaction((tx) => tx.appendToStream('warehouse-WAITING', [event()])).catch((e: unknown) => e);
    const pid = await appendBackendInCriticalSection('sequencer');

    await admin.query('SELECT pg_cancel_backend($1)', [pid]);
    expect(await within(appending, PROMPTLY_MS, 'the cancelled append did not end')).toMatchObject({ code: '57014' });
    expect(await sequencerLocks()).toEqual([Number((await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid)]);
    expect((await admin.query<{ released: boolean }>('SELECT pg_advisory_unlock($1) AS released', [key])).rows[0]!.released).toBe(true);

    await expectSequencerFree(store);
    expect(await store.readStream('warehouse-WAITING')).toEqual([]);
  });

  it('releases it when the connection is killed mid-append (pg_terminate_backend)', async () => {
    const store = await openStore(schema);
    stores.push(store);
    await holdSequence();
    const appending = store.withTransaction((tx) => tx.appendToStream('warehouse-KILLED', [event()])).catch((e: unknown) => e);
    const pid = await appendBackendInCriticalSection();

    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await within(appending, PROMPTLY_MS, 'the killed append did not end')).toBeInstanceOf(Error);
    await releaseSequence();

    await expectSequencerFree(store);
    expect(await store.readStream('warehouse-KILLED')).toEqual([]);
  });

  it('the append function itself releases it when cancelled, on a session that stays open', async () => {
    // No pool and no adapter: a plain client calls the function in a transaction, is cancelled, rolls back, and stays connected.
    const store = await openStore(schema);
    stores.push(store);
    const caller = new Client({ connectionString: url });
    await caller.connect();
    try {
      const callerPid = Number((await caller.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
      await holdSequence();
      await caller.query('BEGIN');
      const payload = JSON.stringify([
        { eventId: randomUUID(), type: 'warehouse.StockReceived', category: 'warehouse', version: 1, occurredAt: new Date().toISOString(), metadata: {}, data: {} },
      ]);
      const calling = caller.query(`SELECT * FROM "${schema}".append_to_stream($1, 'any', NULL, $2::jsonb)`, ['warehouse-RAW', payload]).catch((e: unknown) => e);
      expect(await appendBackendInCriticalSection()).toBe(callerPid);

      await admin.query('SELECT pg_cancel_backend($1)', [callerPid]);
      expect(await within(calling, PROMPTLY_MS, 'the cancelled call did not end')).toMatchObject({ code: '57014' });
      await caller.query('ROLLBACK');
      await releaseSequence();

      expect(await sequencerLocks(callerPid)).toEqual([]);
      expect(await sequencerLocks()).toEqual([]);
    } finally {
      await caller.end();
    }
  });

  it('the pg adapter drops a connection whose transaction was cancelled, but keeps it after an ordinary error', async () => {
    const db = postgresDatabase({ connectionString: url, max: 1 });
    const store = await SqlEventStore.open(db, { schema });
    stores.push(store);
    const backend = () => db.transaction(async (q) => Number((await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
    await store.appendToStream('warehouse-A', [event()]);
    const first = await backend();

    await expect(store.withTransaction((tx) => tx.appendToStream('warehouse-A', [event()], { expectedVersion: 'no-stream' }))).rejects.toBeInstanceOf(
      WrongExpectedVersion,
    );
    expect(await backend()).toBe(first); // a conflict is ordinary: the connection goes back to the pool

    await expect(
      db.transaction(async (q) => {
        await q.query("SET LOCAL statement_timeout = '50ms'");
        await q.query('SELECT pg_sleep(2)');
      }),
    ).rejects.toMatchObject({ code: '57014' });
    expect(await backend()).not.toBe(first); // a cancelled one is closed (which frees any session lock)
  });
});

describe('PostgreSQL: two identical appends in flight together', () => {
  const PAIRS = 40;
  let schema: string;
  let store: SqlEventStore;

  beforeEach(async () => {
    schema = uniqueSchema('esr');
    store = await openStore(schema, { max: 12 });
  });

  afterEach(async () => {
    await store.close();
    await dropSchema(url, schema);
  });

  type Mode = 'own transaction' | 'withTransaction' | 'caller transaction, another query after it';

  /** The whole global log once it holds `count` events (bounded wait), as a catch-up reader would see it. */
  const readAllOnceSettled = async (count: number) => {
    for (const deadline = Date.now() + 30_000; ; ) {
      const all = await store.readAll();
      if (all.length >= count || Date.now() > deadline) return all;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  /** One call of a pair; in a caller's transaction it then queries the stream there (the transaction must still be usable) and commits. */
  const append = async (mode: Mode, streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion, version: number): Promise<AppendResult> => {
    if (mode === 'own transaction') return store.appendToStream(streamId, events, { expectedVersion });
    if (mode === 'withTransaction') return store.withTransaction((tx) => tx.appendToStream(streamId, events, { expectedVersion }));
    return store.db.transaction(async (q) => {
      const result = await store.appendWith(q, streamId, events, { expectedVersion });
      const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".events WHERE stream_id = $1`, [streamId]);
      expect(rows[0]!.n).toBe(version);
      return result;
    });
  };

  it.each([
    ['own transaction', 'no-stream'],
    ['own transaction', 'a stream version'],
    ['withTransaction', 'no-stream'],
    ['withTransaction', 'a stream version'],
    ['caller transaction, another query after it', 'no-stream'],
    ['caller transaction, another query after it', 'a stream version'],
  ] as const)('both succeed with the same positions (%s, expected version: %s)', async (mode, expected) => {
    const existing = expected === 'no-stream' ? 0 : 3;
    const streams = Array.from({ length: PAIRS }, (_, i) => `warehouse-PAIR-${i}`);
    if (existing > 0) {
      await Promise.all(streams.map((s) => store.appendToStream(s, [event(), event(), event()], { expectedVersion: 'no-stream' })));
    }
    const expectedVersion: ExpectedVersion = expected === 'no-stream' ? 'no-stream' : existing;
    const sent = streams.map((_, i) => [event({ pair: i, line: 1 }), event({ pair: i, line: 2 })]);

    const pairs = await Promise.all(
      streams.map((streamId, i) =>
        Promise.allSettled([0, 1].map(() => append(mode, streamId, sent[i]!, expectedVersion, existing + 2))),
      ),
    );

    const refused = pairs.flatMap((pair, i) =>
      pair.flatMap((r) => (r.status === 'rejected' ? [`pair ${i}: ${(r.reason as Error).name}: ${(r.reason as Error).message}`] : [])),
    );
    expect(refused).toEqual([]);
    for (const [i, pair] of pairs.entries()) {
      const [a, b] = pair.map((r) => (r as PromiseFulfilledResult<AppendResult>).value);
      expect(b!.positions).toEqual(a!.positions);
      expect(a!.positions.map((p) => [p.eventId, p.streamPosition])).toEqual(sent[i]!.map((e, k) => [e.eventId, existing + k + 1]));
      expect([a!.nextExpectedVersion, b!.nextExpectedVersion]).toEqual([existing + 2, existing + 2]);
      expect([a!.alreadyStored, b!.alreadyStored].sort()).toEqual([false, true]);
    }
    for (const [i, streamId] of streams.entries()) {
      const stored = await store.readStream(streamId);
      expect(stored.slice(existing).map((e) => e.eventId)).toEqual(sent[i]!.map((e) => e.eventId));
      expect(stored).toHaveLength(existing + 2);
    }
    // The global log shows a transaction's events once no older transaction runs anywhere in the cluster
    // (schema.ts): another test or job's transaction on the same server may hold them back a moment.
    const all = await readAllOnceSettled(PAIRS * (existing + 2));
    expect(new Set(all.map((e) => e.eventId)).size).toBe(PAIRS * (existing + 2));
  });

  it('still refuses the same ids with other content, and an ordinary conflict, while in flight together', async () => {
    const ids = Array.from({ length: PAIRS }, () => randomUUID());
    const results = await Promise.allSettled(
      ids.flatMap((id, i) => [
        store.appendToStream(`warehouse-X-${i}`, [event({ v: 1 }, id)], { expectedVersion: 'no-stream' }),
        store.appendToStream(`warehouse-X-${i}`, [event({ v: 2 }, id)], { expectedVersion: 'no-stream' }),
        store.appendToStream(`warehouse-Y-${i}`, [event({ v: 1 })], { expectedVersion: 'no-stream' }),
        store.appendToStream(`warehouse-Y-${i}`, [event({ v: 1 })], { expectedVersion: 'no-stream' }),
      ]),
    );
    for (let i = 0; i < PAIRS; i++) {
      const [sameIdA, sameIdB, otherA, otherB] = results.slice(i * 4, i * 4 + 4);
      // Same id, other data: one wins, the other is DuplicateEventId (never a silent success).
      expect([sameIdA!.status, sameIdB!.status].sort()).toEqual(['fulfilled', 'rejected']);
      const refusal = [sameIdA, sameIdB].find((r): r is PromiseRejectedResult => r!.status === 'rejected')!;
      expect(refusal.reason).toMatchObject({ name: 'DuplicateEventId' });
      // Different ids, same expected version: a genuine conflict.
      expect([otherA!.status, otherB!.status].sort()).toEqual(['fulfilled', 'rejected']);
      const conflict = [otherA, otherB].find((r): r is PromiseRejectedResult => r!.status === 'rejected')!;
      expect(conflict.reason).toBeInstanceOf(WrongExpectedVersion);
    }
  });
});
