import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@bintrail/contracts';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { Client } from 'pg';
import { WrongExpectedVersion } from '../errors';
import { collectUntil, describeEventStoreContract } from '../testing';
import { postgresDatabase } from './database';
import { LATEST_SCHEMA_VERSION, migrate } from './schema';
import { SqlEventStore } from './sql-event-store';
import { pgliteTarget, postgresTarget, type SqlTarget } from './sql-targets.test-helper';

describeEventStoreContract('PostgreSQL (pg)', postgresTarget());
describeEventStoreContract('PGlite (data folder)', pgliteTarget());

describe.each([['postgres'], ['pglite']] as const)('SQL event store on %s', (kind) => {
  let target: SqlTarget;
  let store: SqlEventStore;

  beforeEach(async () => {
    target = kind === 'postgres' ? postgresTarget() : pgliteTarget();
    store = await target.open();
  });

  afterEach(async () => {
    await store.close();
    await target.cleanup();
  });

  it('never skips an event whose transaction commits after a later position committed', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let heldAppended!: () => void;
    const appendedInside = new Promise<void>((resolve) => (heldAppended = resolve));

    const seenPromise = collectUntil(store, {}, (seen) => seen.length >= 6, 20_000);

    // Transaction T appends first (lowest position), then stays open.
    const slowTransaction = store.withTransaction(async (tx) => {
      const result = await tx.appendToStream('warehouse-HELD', [{ type: 'warehouse.StockReceived', data: { quantity: 1 } }]);
      heldAppended();
      await held;
      return result;
    });
    await appendedInside;

    // Five other writers append after T and commit while T is still open (PGlite serialises them behind T).
    const others = Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        store.appendToStream(`warehouse-W${i}`, [{ type: 'warehouse.StockReceived', data: { quantity: i } }]),
      ),
    );

    if (kind === 'postgres') {
      const committed = await others;
      // The dangerous situation is real: later positions are committed and visible, T's is not.
      const naive = new Client({ connectionString: testDatabaseUrl() });
      await naive.connect();
      const schema = (store as unknown as { s: string }).s;
      const { rows } = await naive.query<{ p: string }>(`SELECT global_position AS p FROM ${schema}.events ORDER BY 1`);
      await naive.end();
      const visible = rows.map((r) => Number(r.p));
      expect(visible).toEqual(committed.map((r) => r.positions[0]!.globalPosition).sort((a, b) => a - b));
      await new Promise((r) => setTimeout(r, 300));
    } else {
      await new Promise((r) => setTimeout(r, 300));
    }

    release();
    const held1 = await slowTransaction;
    const committed = await others;
    const seen = await seenPromise;

    const heldPosition = held1.positions[0]!.globalPosition;
    for (const other of committed) expect(other.positions[0]!.globalPosition).toBeGreaterThan(heldPosition);
    expect(seen.map((e) => e.globalPosition)).toEqual([heldPosition, ...committed.map((r) => r.positions[0]!.globalPosition).sort((a, b) => a - b)]);
    expect(seen[0]!.streamId).toBe('warehouse-HELD');
  });

  it('keeps the log whole and every stream consistent under 10 writers x 1,000 appends', async () => {
    const writers = 10;
    const appendsPerWriter = 1_000;
    const streams = Array.from({ length: 25 }, (_, i) => `inventory-SKU-${i}`);
    let conflicts = 0;

    const total = writers * appendsPerWriter;
    const subscriberSaw = collectUntil(store, {}, (seen) => seen.length >= total, 120_000);

    const writer = async (w: number): Promise<void> => {
      for (let n = 0; n < appendsPerWriter; n++) {
        const streamId = streams[(w * 7 + n) % streams.length]!;
        for (;;) {
          const version = (await store.readStream(streamId, { direction: 'backwards', maxCount: 1 }))[0]?.streamPosition ?? 0;
          try {
            await store.appendToStream(streamId, [{ type: 'inventory.StockAdjusted', eventId: randomUUID(), data: { writer: w, n } }], {
              expectedVersion: version,
            });
            break;
          } catch (error) {
            if (!(error instanceof WrongExpectedVersion)) throw error;
            conflicts += 1;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    const seen: RecordedEvent[] = await subscriberSaw;

    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(total);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.globalPosition).toBeGreaterThan(seen[i - 1]!.globalPosition);
    for (const streamId of streams) {
      const positions = (await store.readStream(streamId)).map((e) => e.streamPosition);
      expect(positions).toEqual(positions.map((_, i) => i + 1));
    }
    const perWriter = new Map<number, number>();
    for (const e of seen) {
      const w = (e.data as { writer: number }).writer;
      perWriter.set(w, (perWriter.get(w) ?? 0) + 1);
    }
    expect([...perWriter.values()]).toEqual(Array(writers).fill(appendsPerWriter));
    if (kind === 'postgres') expect(conflicts).toBeGreaterThan(0); // the race was real
  });

  it('serialises the log in PostgreSQL exactly as Node would (the relay fast path)', async () => {
    await store.appendToStream('warehouse-WH9', [
      {
        type: 'warehouse.StockCounted',
        occurredAt: new Date('2026-03-01T08:30:00.120Z'),
        data: { bin: 'A-01-03', counted: 7, note: 'quote " backslash \\ unicode ✓ émoji 📦', nested: { list: [1, 2.5, null, true] } },
        metadata: { correlationId: 'count-1', causationId: 'cmd-9', actor: 'counter:2', source: 'warehouse' },
      },
      { type: 'warehouse.StockCounted', data: { bin: 'A-01-04', counted: 0 } },
    ]);
    const events = await store.readAll();
    const serialized = await store.readAllSerialized();
    expect(serialized).toHaveLength(events.length);
    serialized.forEach((s, i) => {
      const event = events[i]!;
      expect(JSON.parse(s.json)).toEqual(JSON.parse(JSON.stringify({ ...event, occurredAt: event.occurredAt.toISOString() })));
      expect(s).toMatchObject({
        eventId: event.eventId,
        type: event.type,
        version: event.version,
        streamId: event.streamId,
        globalPosition: event.globalPosition,
        correlationId: event.metadata.correlationId,
        causationId: event.metadata.causationId,
      });
    });
    expect(JSON.parse(serialized[0]!.json).occurredAt).toBe('2026-03-01T08:30:00.120Z');
  });

  it('refuses a stored event id inside a caller-held transaction without deadlocking', async () => {
    const stored = randomUUID();
    await store.appendToStream('warehouse-A', [{ type: 'warehouse.StockReceived', eventId: stored, data: { quantity: 1 } }]);
    const attempt = store.withTransaction(async (tx) => {
      await tx.appendToStream('warehouse-A', [
        { type: 'warehouse.StockReceived', eventId: randomUUID(), data: { quantity: 2 } },
        { type: 'warehouse.StockReceived', eventId: stored, data: { quantity: 1 } },
      ]);
    });
    await expect(attempt).rejects.toMatchObject({ name: 'DuplicateEventId', eventId: stored });
    expect(await store.readStream('warehouse-A')).toHaveLength(1);
  });

  it('refuses an append that is not the first write of its transaction', async () => {
    await expect(
      store.withTransaction(async (tx) => {
        await tx.appendToStream('warehouse-A', [{ type: 'warehouse.StockReceived', data: {} }]);
        await tx.appendToStream('warehouse-B', [{ type: 'warehouse.StockReceived', data: {} }]);
      }),
    ).rejects.toMatchObject({ name: 'InvalidAppend', field: 'transaction' });
    expect(await store.readAll()).toEqual([]);
  });
});

describe('PostgreSQL: what holds the log back', () => {
  const target = postgresTarget();
  let store: SqlEventStore;
  let other: Client;
  beforeAll(async () => {
    store = await target.open();
    other = new Client({ connectionString: testDatabaseUrl() });
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await store.close();
    await target.cleanup();
  });

  it('shows an append at once while a transaction that writes but does not append stays open (a projection batch)', async () => {
    const schema = (store as unknown as { s: string }).s;
    await other.query(`CREATE TABLE ${schema}.read_model (id int PRIMARY KEY)`);
    // Holds a transaction id, as a projection's batch does between its first write and its commit.
    await other.query('BEGIN');
    await other.query(`INSERT INTO ${schema}.read_model VALUES (1)`);
    try {
      const { positions } = await store.appendToStream('warehouse-A', [{ type: 'warehouse.StockReceived', data: { quantity: 1 } }]);
      const seen = await store.readAll();
      expect(seen.map((e) => e.globalPosition)).toEqual([positions[0]!.globalPosition]);
    } finally {
      await other.query('ROLLBACK');
    }
  });

  it("wakes a waiter on another process's append (LISTEN/NOTIFY), not only on its own", async () => {
    // A second store on the same schema stands for another process (its own pool and listener).
    const other = await SqlEventStore.open(postgresDatabase({ connectionString: testDatabaseUrl(), max: 2 }), { schema: (store as unknown as { s: string }).s.replace(/"/g, '') });
    try {
      await store.waitForAppend(1); // starts listening
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      const woken = store.waitForAppend(10_000);
      await other.appendToStream('warehouse-OTHER', [{ type: 'warehouse.StockReceived', data: { quantity: 1 } }]);
      await woken;
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await other.close();
    }
  });

  it('still holds back what comes after an appender that has not committed, on another connection', async () => {
    const first = await store.appendToStream('warehouse-B', [{ type: 'warehouse.StockReceived', data: { quantity: 1 } }]);
    const schema = (store as unknown as { s: string }).s;
    await other.query('BEGIN');
    await other.query(`SELECT * FROM ${schema}.append_to_stream('warehouse-HELD', 'any', 0, $1::jsonb)`, [
      JSON.stringify([{ eventId: randomUUID(), type: 'warehouse.StockReceived', category: 'warehouse', version: 1, data: {}, metadata: {}, occurredAt: new Date().toISOString() }]),
    ]);
    try {
      const later = await store.appendToStream('warehouse-C', [{ type: 'warehouse.StockReceived', data: { quantity: 2 } }]);
      const seen = (await store.readAll({ fromGlobalPosition: first.positions[0]!.globalPosition })).map((e) => e.globalPosition);
      expect(seen).toEqual([first.positions[0]!.globalPosition]);
      expect(later.positions[0]!.globalPosition).toBeGreaterThan(first.positions[0]!.globalPosition);
    } finally {
      await other.query('ROLLBACK');
    }
    // Rolled back: its position stays a hole, and the later append shows.
    const after = (await store.readAll({ fromGlobalPosition: first.positions[0]!.globalPosition })).map((e) => e.streamId);
    expect(after).toEqual(['warehouse-B', 'warehouse-C']);
  });
});

describe('schema migrations', () => {
  it('run twice, and from two processes at once, without error and recorded once', async () => {
    const schema = uniqueSchema('mig');
    const a = postgresDatabase(testDatabaseUrl());
    const b = postgresDatabase(testDatabaseUrl());
    try {
      const [ranA, ranB] = await Promise.all([migrate(a, schema), migrate(b, schema)]);
      const all = Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1);
      expect([...ranA, ...ranB].sort((x, y) => x - y)).toEqual(all);
      expect([ranA, ranB]).toContainEqual([]); // the second process found nothing left to do
      expect(await migrate(a, schema)).toEqual([]);
      const { rows } = await a.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".schema_migrations`);
      expect(Number(rows[0]!.n)).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      await a.close();
      await b.close();
      await dropSchema(testDatabaseUrl(), schema);
    }
  });

  it('keeps a PGlite store across a restart of the process', async () => {
    const target = pgliteTarget();
    const first = await target.open();
    await first.appendToStream('warehouse-WH1', [{ type: 'warehouse.StockReceived', data: { quantity: 4 } }]);
    await first.close();
    const second = await target.open();
    expect((await second.readStream('warehouse-WH1')).map((e) => e.data)).toEqual([{ quantity: 4 }]);
    await second.close();
    await target.cleanup();
  });
});
