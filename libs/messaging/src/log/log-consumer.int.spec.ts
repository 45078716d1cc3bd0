import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEventStore, openPostgresEventStore, type SqlEventStore } from '@bintrail/event-store';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { eventually } from '../bus/contract/bus-contract-suite';
import { LogConsumers, type LogConsumerOptions } from './log-consumer';

interface Target {
  open(): Promise<SqlEventStore>;
  schema: string;
  cleanup(): Promise<void>;
}

const targets: [string, () => Target][] = [
  [
    'PostgreSQL',
    () => {
      const schema = uniqueSchema('lc');
      return { schema, open: () => openPostgresEventStore(testDatabaseUrl(), { schema, poolSize: 4 }), cleanup: () => dropSchema(testDatabaseUrl(), schema) };
    },
  ],
  [
    'PGlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'bintrail-lc-'));
      return { schema: 'bintrail', open: () => openEmbeddedEventStore(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

describe.each(targets)('consumer groups on the store log (%s)', (_name, makeTarget) => {
  let target: Target;
  let store: SqlEventStore;
  let consumers: LogConsumers;

  beforeEach(async () => {
    target = makeTarget();
    store = await target.open();
    consumers = await LogConsumers.open(store, store.db, target.schema);
    await store.db.exec(`CREATE TABLE ${target.schema}.effects (group_id text NOT NULL, event_id uuid NOT NULL, n integer NOT NULL)`);
  });
  afterEach(async () => {
    await store.close();
    await target.cleanup();
  });

  /** A handler whose effect is one row per call: a duplicate delivery would show as a second row. */
  const recordEffect = (groupId: string, fail?: (n: number) => boolean): Pick<LogConsumerOptions, 'groupId' | 'handle'> => ({
    groupId,
    handle: async (event, { tx }) => {
      const n = Number((event.data as { n: number }).n);
      await tx.query(`INSERT INTO ${target.schema}.effects (group_id, event_id, n) VALUES ($1, $2, $3)`, [groupId, event.eventId, n]);
      if (fail?.(n)) throw new Error(`handler refuses n=${n}`);
    },
  });

  const effects = async (groupId: string): Promise<number[]> =>
    (await store.db.query<{ n: number }>(`SELECT n FROM ${target.schema}.effects WHERE group_id = $1 ORDER BY n`, [groupId])).rows.map((r) => Number(r.n));

  const append = async (from: number, to: number, type = 'warehouse.StockReceived'): Promise<void> => {
    for (let n = from; n <= to; n++) await store.appendToStream(`warehouse-${n % 3}`, [{ type, data: { n } }]);
  };

  it('applies every event once per group, in order, and resumes from the checkpoint after a restart', async () => {
    await append(1, 20);
    let a = await consumers.start({ ...recordEffect('a'), wake: (ms) => store.waitForAppend(ms) });
    const b = await consumers.start(recordEffect('b'));
    await eventually(async () => expect(await effects('a')).toHaveLength(20), 10_000);
    await a.stop();
    await append(21, 30);
    a = await consumers.start(recordEffect('a'));
    await eventually(async () => expect(await effects('a')).toHaveLength(30), 10_000);
    await eventually(async () => expect(await effects('b')).toHaveLength(30), 10_000);
    expect(await effects('a')).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await consumers.checkpoint('a')).toBe(30);
    expect(a.status).toMatchObject({ checkpoint: 30, applied: 10, parked: 0, stuck: undefined });
    await a.stop();
    await b.stop();
  });

  it('skips types the group does not handle, and still moves its checkpoint past them', async () => {
    await append(1, 3, 'warehouse.StockPicked');
    await append(4, 5, 'warehouse.StockReceived');
    const running = await consumers.start({ ...recordEffect('c'), accepts: (type) => type === 'warehouse.StockReceived' });
    await eventually(async () => expect(await consumers.checkpoint('c')).toBe(5), 10_000);
    expect(await effects('c')).toEqual([4, 5]);
    await running.stop();
  });

  it('retries a failing handler, then parks the event with its reason (its effects rolled back) and goes on', async () => {
    await append(1, 5);
    const running = await consumers.start({ ...recordEffect('d', (n) => n === 3), maxAttempts: 3, backoffMs: () => 5 });
    await eventually(async () => expect(await consumers.checkpoint('d')).toBe(5), 10_000);
    expect(await effects('d')).toEqual([1, 2, 4, 5]);
    const parked = await consumers.parked('d');
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ globalPosition: 3, type: 'warehouse.StockReceived', attempts: 3 });
    expect(parked[0]!.reason).toContain('handler refuses n=3');
    expect(running.status.parked).toBe(1);
    await running.stop();
  });

  it('shows what a group is stuck on while it retries', async () => {
    await append(1, 2);
    let failing = true;
    const running = await consumers.start({ ...recordEffect('e', (n) => failing && n === 2), maxAttempts: 1_000, backoffMs: () => 20 });
    await eventually(() => expect(running.status.stuck).toMatchObject({ globalPosition: 2, type: 'warehouse.StockReceived', error: 'handler refuses n=2' }), 10_000);
    failing = false;
    await eventually(() => expect(running.status).toMatchObject({ checkpoint: 2, stuck: undefined }), 10_000);
    expect(await effects('e')).toEqual([1, 2]);
    await running.stop();
  });

  /** A batch handler writing one effect row per event, in the batch's transaction; `fail` makes it throw after writing them all. */
  const recordBatch = (groupId: string, calls: number[][], fail?: (n: number) => boolean): Pick<LogConsumerOptions, 'handleBatch'> => ({
    handleBatch: async (events, { tx }) => {
      const ns = events.map((e) => Number((e.data as { n: number }).n));
      calls.push(ns);
      for (const n of ns) await tx.query(`INSERT INTO ${target.schema}.effects (group_id, event_id, n) VALUES ($1, gen_random_uuid(), $2)`, [groupId, n]);
      const refused = ns.find((n) => fail?.(n));
      if (refused !== undefined) throw new Error(`batch handler refuses n=${refused}`);
    },
  });

  it('hands a batch handler the whole batch in one call, committed with the checkpoint', async () => {
    await append(1, 10);
    const calls: number[][] = [];
    let single = 0;
    const handle = recordEffect('g').handle;
    const running = await consumers.start({
      ...recordBatch('g', calls),
      groupId: 'g',
      handle: async (event, context) => {
        single += 1;
        await handle(event, context);
      },
    });
    await eventually(async () => expect(await consumers.checkpoint('g')).toBe(10), 10_000);
    expect(calls).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
    expect(single).toBe(0);
    expect(await effects('g')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(running.status).toMatchObject({ checkpoint: 10, applied: 10, parked: 0 });
    await running.stop();
  });

  it('when the batch handler throws, rolls the batch back and goes event by event, parking only the event at fault', async () => {
    await append(1, 6);
    const calls: number[][] = [];
    const running = await consumers.start({ ...recordEffect('h', (n) => n === 4), ...recordBatch('h', calls, (n) => n === 4), maxAttempts: 2, backoffMs: () => 5 });
    await eventually(async () => expect(await consumers.checkpoint('h')).toBe(6), 10_000);
    expect(calls[0]).toEqual([1, 2, 3, 4, 5, 6]);
    // The batch's rows went with its rollback: every other event applied once, by the handler.
    expect(await effects('h')).toEqual([1, 2, 3, 5, 6]);
    const parked = await consumers.parked('h');
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ globalPosition: 4, attempts: 2 });
    expect(parked[0]!.reason).toContain('handler refuses n=4');
    await running.stop();
  });

  it('commits a long batch in parts (maxTransactionMs), each event once, so that no transaction holds the log back long', async () => {
    await append(1, 6);
    const seen: number[] = [];
    const effect = recordEffect('k').handle;
    const running = await consumers.start({
      groupId: 'k',
      maxTransactionMs: 50,
      handle: async (event, context) => {
        // The checkpoint as this event's transaction sees it: moved only by the parts committed before.
        const { rows } = await context.tx.query<{ position: string }>(`SELECT position FROM ${target.schema}.consumer_checkpoints WHERE group_id = 'k'`);
        seen.push(Number(rows[0]!.position));
        await effect(event, context);
        await new Promise((resolve) => setTimeout(resolve, 30));
      },
    });
    await eventually(async () => expect(await consumers.checkpoint('k')).toBe(6), 10_000);
    expect(await effects('k')).toEqual([1, 2, 3, 4, 5, 6]);
    // 30 ms an event against 50 ms a transaction: parts of about two events, each seeing the parts before it.
    expect(seen[0]).toBe(0);
    expect(seen[5]).toBeGreaterThan(0);
    seen.forEach((checkpoint, i) => expect(checkpoint).toBeLessThanOrEqual(i));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(running.status).toMatchObject({ checkpoint: 6, applied: 6, parked: 0 });
    await running.stop();
  });

  it('two runners of one group never apply an event twice', async () => {
    await append(1, 40);
    const first = await consumers.start(recordEffect('f'));
    const second = await consumers.start(recordEffect('f'));
    await eventually(async () => expect(await consumers.checkpoint('f')).toBe(40), 20_000);
    await Promise.all([first.stop(), second.stop()]);
    expect(await effects('f')).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
