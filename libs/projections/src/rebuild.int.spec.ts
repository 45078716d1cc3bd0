import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@bintrail/contracts';
import { openEmbeddedEventStore, openPostgresEventStore, quoteIdent, type SqlEventStore, type SqlExecutor } from '@bintrail/event-store';
import { LogConsumers } from '@bintrail/messaging';
import { silentLogger } from '@bintrail/observability';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { startProjections, type Projection, type RebuildProgress } from './index';
import { shadowSchemaOf } from './versions';

interface Target {
  readonly schema: string;
  open(): Promise<SqlEventStore>;
  cleanup(): Promise<void>;
}

const targets: [string, () => Target][] = [
  [
    'PostgreSQL',
    () => {
      const schema = uniqueSchema('rb');
      return {
        schema,
        open: () => openPostgresEventStore(testDatabaseUrl(), { schema, poolSize: 6 }),
        cleanup: async () => {
          await dropSchema(testDatabaseUrl(), shadowSchemaOf(schema, 'tally'));
          await dropSchema(testDatabaseUrl(), schema);
        },
      };
    },
  ],
  [
    'PGlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'bintrail-rb-'));
      return { schema: 'bintrail', open: () => openEmbeddedEventStore(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

const COUNTED = 'tally.Counted';
interface Counted {
  readonly key: string;
  readonly qty: number;
}

/** Version 1: a total per key. */
const tallyV1: Projection = {
  name: 'tally',
  types: [COUNTED],
  migrations: [{ version: 1, name: 'tally', sql: (s) => `CREATE TABLE ${s}.tally (key text PRIMARY KEY, total bigint NOT NULL, position bigint NOT NULL)` }],
  apply: async (event: RecordedEvent, tx: SqlExecutor, s: string) => {
    const { key, qty } = event.data as unknown as Counted;
    await tx.query(
      `INSERT INTO ${s}.tally AS t (key, total, position) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET total = t.total + EXCLUDED.total, position = EXCLUDED.position`,
      [key, qty, event.globalPosition],
    );
  },
};

/** Version 2: the same totals, and how many events made each (a column old rows cannot have). */
const tallyV2: Projection = {
  ...tallyV1,
  version: 2,
  migrations: [
    { version: 1, name: 'tally with counts', sql: (s) => `CREATE TABLE ${s}.tally (key text PRIMARY KEY, total bigint NOT NULL, events bigint NOT NULL, position bigint NOT NULL)` },
  ],
  apply: async (event: RecordedEvent, tx: SqlExecutor, s: string) => {
    const { key, qty } = event.data as unknown as Counted;
    await tx.query(
      `INSERT INTO ${s}.tally AS t (key, total, events, position) VALUES ($1, $2, 1, $3)
       ON CONFLICT (key) DO UPDATE SET total = t.total + EXCLUDED.total, events = t.events + 1, position = EXCLUDED.position`,
      [key, qty, event.globalPosition],
    );
  },
};

describe.each(targets)('blue/green projection rebuild (%s)', (_name, makeTarget) => {
  let target: Target;
  let store: SqlEventStore;
  let consumers: LogConsumers;
  /** qty of every appended event by global position: what any checkpoint implies. */
  const appended = new Map<number, Counted>();

  beforeEach(async () => {
    appended.clear();
    target = makeTarget();
    store = await target.open();
    consumers = await LogConsumers.open(store, store.db, target.schema);
  });
  afterEach(async () => {
    await store.close();
    await target.cleanup();
  });

  const append = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const data = { key: `sku-${i % 7}`, qty: 1 + (i % 5) };
      const { positions } = await store.appendToStream(`tally-${data.key}`, [{ type: COUNTED, data }]);
      appended.set(positions[0]!.globalPosition, data);
    }
  };

  /** Total and count per key of every event up to `position`: the from-scratch fold. */
  const foldUpTo = (position: number): Map<string, { total: number; events: number }> => {
    const fold = new Map<string, { total: number; events: number }>();
    for (const [at, { key, qty }] of appended) {
      if (at > position) continue;
      const row = fold.get(key) ?? { total: 0, events: 0 };
      fold.set(key, { total: row.total + qty, events: row.events + 1 });
    }
    return fold;
  };

  /** The table and the checkpoint in one statement (one snapshot). */
  const readLive = async (): Promise<{ total: number; checkpoint: number }> => {
    const s = quoteIdent(target.schema);
    const { rows } = await store.db.query<{ total: string; checkpoint: string }>(
      `SELECT (SELECT coalesce(sum(total), 0) FROM ${s}.tally) AS total,
              (SELECT position FROM ${s}.consumer_checkpoints WHERE group_id = 'projection:tally') AS checkpoint`,
    );
    return { total: Number(rows[0]!.total), checkpoint: Number(rows[0]!.checkpoint) };
  };

  const waitForHead = async (): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const head = await store.headPosition();
      if ((await readLive()).checkpoint >= head) return;
      if (Date.now() > deadline) throw new Error('the projection did not reach the head');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const tableRows = async (columns: string): Promise<Record<string, string | number>[]> =>
    (await store.db.query<Record<string, string | number>>(`SELECT key, ${columns} FROM ${quoteIdent(target.schema)}.tally ORDER BY key`)).rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'key' ? v : Number(v)])),
    );
  const expectedRows = (withEvents: boolean): Record<string, string | number>[] =>
    [...foldUpTo(Number.MAX_SAFE_INTEGER)].sort(([a], [b]) => a.localeCompare(b)).map(([key, r]) => (withEvents ? { key, total: r.total, events: r.events } : { key, total: r.total }) as Record<string, string | number>);

  it('rebuilds while the live version consumes and answers: every read is complete, the result is the from-scratch fold', async () => {
    await append(400);
    const projections = await startProjections(store.db, consumers, target.schema, [tallyV1], { source: store, wake: (ms) => store.waitForAppend(ms) });
    await waitForHead();

    let writing = true;
    const writer = (async () => {
      while (writing) {
        await append(5);
        // PGlite answers in microtasks: without a turn of the event loop the writer would starve everything else.
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    let reads = 0;
    const inconsistent: string[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const { total, checkpoint } = await readLive();
        const implied = [...foldUpTo(checkpoint).values()].reduce((n, r) => n + r.total, 0);
        if (total !== implied) inconsistent.push(`checkpoint ${checkpoint}: table ${total}, log ${implied}`);
        reads += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    const seen: RebuildProgress[] = [];
    const result = await projections.rebuild('tally', { batchSize: 40, onProgress: (p) => seen.push(p) });
    // Go on writing and reading a little after the switch: the live consumer goes on on the new tables.
    await append(20);
    writing = false;
    await writer;
    await waitForHead();
    reading = false;
    await reader;

    expect(inconsistent).toEqual([]);
    expect(reads).toBeGreaterThan(10);
    expect(result).toMatchObject({ projection: 'tally', version: 1, resumedFrom: 0 });
    expect(result.checkpoint).toBeGreaterThanOrEqual(400);
    expect(seen.some((p) => p.phase === 'building' && p.eventsPerSecond > 0)).toBe(true);
    expect(seen[seen.length - 1]!.phase).toBe('done');
    expect(await tableRows('total')).toEqual(expectedRows(false));
    const [state] = await projections.describe();
    expect(state).toMatchObject({ projection: 'tally', version: 1, codeVersion: 1, lag: { events: 0, seconds: 0 } });
    expect(state!.rebuild).toBeUndefined();
    // The shadow schema is gone.
    expect((await store.db.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [shadowSchemaOf(target.schema, 'tally')])).rows).toHaveLength(0);
    await projections.stop();
  }, 120_000);

  it('rebuilds a projection whose version went up at start, the old version serving meanwhile', async () => {
    await append(200);
    let projections = await startProjections(store.db, consumers, target.schema, [tallyV1], { source: store });
    await waitForHead();
    await projections.stop();
    await append(30); // the old version has not seen these yet

    projections = await startProjections(store.db, consumers, target.schema, [tallyV2], { source: store, rebuild: { batchSize: 25 } });
    // Until the switch the old table answers, complete at its checkpoint.
    const { total, checkpoint } = await readLive();
    expect(total).toBe([...foldUpTo(checkpoint).values()].reduce((n, r) => n + r.total, 0));
    await projections.pendingRebuilds;
    await append(10); // consumed by the new version
    await waitForHead();
    expect(await tableRows('total, events')).toEqual(expectedRows(true));
    const [state] = await projections.describe();
    expect(state).toMatchObject({ version: 2, codeVersion: 2 });
    await projections.stop();

    // Started again: nothing to rebuild.
    projections = await startProjections(store.db, consumers, target.schema, [tallyV2], { source: store });
    await projections.pendingRebuilds;
    expect((await projections.describe())[0]).toMatchObject({ version: 2 });
    await projections.stop();
  }, 120_000);

  /** tallyV1 with a set-based applyBatch (one upsert per key a batch); `bad`: the position both paths refuse. */
  const tallyBatched = (seen: { batches: number[]; single: number }, bad?: number): Projection => ({
    ...tallyV1,
    apply: async (event, tx, s) => {
      seen.single += 1;
      if (event.globalPosition === bad) throw new Error(`tally refuses position ${bad}`);
      await tallyV1.apply(event, tx, s);
    },
    applyBatch: async (events, tx, s) => {
      seen.batches.push(events.length);
      const sums = new Map<string, { qty: number; position: number }>();
      for (const event of events) {
        const { key, qty } = event.data as unknown as Counted;
        sums.set(key, { qty: (sums.get(key)?.qty ?? 0) + qty, position: event.globalPosition });
      }
      for (const [key, { qty, position }] of sums) {
        await tx.query(
          `INSERT INTO ${s}.tally AS t (key, total, position) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET total = t.total + EXCLUDED.total, position = EXCLUDED.position`,
          [key, qty, position],
        );
      }
      if (events.some((event) => event.globalPosition === bad)) throw new Error(`tally refuses position ${bad}`);
    },
  });

  it('applies live batches through applyBatch, in one call with the checkpoint, when the projection has one', async () => {
    await append(50);
    const seen = { batches: [] as number[], single: 0 };
    const projections = await startProjections(store.db, consumers, target.schema, [tallyBatched(seen)], { source: store, wake: (ms) => store.waitForAppend(ms) });
    await waitForHead();
    expect(seen).toEqual({ batches: [50], single: 0 });
    expect(await readLive()).toEqual({ total: [...appended.values()].reduce((n, c) => n + c.qty, 0), checkpoint: 50 });
    expect(await tableRows('total')).toEqual(expectedRows(false));
    await projections.stop();
  }, 60_000);

  it('falls back to event by event when applyBatch throws, and parks only the event at fault', async () => {
    await append(30);
    const bad = [...appended.keys()][11]!;
    const seen = { batches: [] as number[], single: 0 };
    const projections = await startProjections(store.db, consumers, target.schema, [tallyBatched(seen, bad)], {
      source: store,
      wake: (ms) => store.waitForAppend(ms),
      logger: silentLogger,
    });
    await waitForHead();
    expect(seen.batches[0]).toBe(30);
    expect((await consumers.parked('projection:tally')).map((p) => p.globalPosition)).toEqual([bad]);
    appended.delete(bad); // what the table holds: every other event once (the failed batch's upserts rolled back)
    expect(await tableRows('total')).toEqual(expectedRows(false));
    await projections.stop();
  }, 60_000);

  it("keeps a rebuild's memo only across batches that committed: a batch failing after it wrote there changes nothing", async () => {
    await append(120);
    const bad = [...appended.keys()][45]!;
    const memoBatches: number[] = [];
    // Writes absolute totals from the memo's running totals (looked up when the memo has none), and writes the
    // memo before it refuses `bad`: a runner that kept that memo would count the failed batch twice.
    const tallyMemo: Projection = {
      ...tallyBatched({ batches: [], single: 0 }, bad),
      applyBatch: async (events, tx, s, memo) => {
        if (memo) memoBatches.push(events.length);
        const totals = (memo?.get('totals') as Map<string, number> | undefined) ?? new Map<string, number>();
        memo?.set('totals', totals);
        for (const event of events) {
          const { key, qty } = event.data as unknown as Counted;
          if (!totals.has(key)) {
            const { rows } = await tx.query<{ total: string }>(`SELECT total FROM ${s}.tally WHERE key = $1`, [key]);
            totals.set(key, Number(rows[0]?.total ?? 0));
          }
          totals.set(key, totals.get(key)! + qty);
          await tx.query(`INSERT INTO ${s}.tally (key, total, position) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET total = EXCLUDED.total, position = EXCLUDED.position`, [
            key,
            totals.get(key)!,
            event.globalPosition,
          ]);
        }
        if (events.some((event) => event.globalPosition === bad)) throw new Error(`tally refuses position ${bad}`);
      },
    };
    const projections = await startProjections(store.db, consumers, target.schema, [tallyV1], { source: store, logger: silentLogger });
    await waitForHead();
    await store.db.exec(`DELETE FROM ${quoteIdent(target.schema)}.parked_events`);
    await projections.stop();
    const rebuilding = await startProjections(store.db, consumers, target.schema, [{ ...tallyMemo, version: 2 }], { source: store, logger: silentLogger, rebuild: { batchSize: 20 } });
    await rebuilding.pendingRebuilds;
    expect(memoBatches.length).toBeGreaterThan(3); // the memo spanned batches
    expect((await consumers.parked('projection:tally')).map((p) => p.globalPosition)).toEqual([bad]);
    appended.delete(bad); // the rebuilt table holds every other event once
    expect(await tableRows('total')).toEqual(expectedRows(false));
    await rebuilding.stop();
  }, 120_000);

  it('resumes a rebuild that died part-way from its last committed batch, with an exact result', async () => {
    await append(300);
    const projections = await startProjections(store.db, consumers, target.schema, [tallyV1], { source: store });
    await waitForHead();
    // The first run dies after its third batch (nothing of it runs after that commit, as with kill -9).
    const died = projections.rebuild('tally', {
      batchSize: 30,
      owner: 'runner-a',
      afterBatch: (position) => {
        if (position >= 90) throw new Error('killed');
      },
    });
    await expect(died).rejects.toThrow('killed');
    await append(15);
    const result = await projections.rebuild('tally', { batchSize: 30, owner: 'runner-a' });
    expect(result.resumedFrom).toBeGreaterThanOrEqual(90);
    await waitForHead();
    expect(await tableRows('total')).toEqual(expectedRows(false));
    await projections.stop();
  }, 120_000);
});
