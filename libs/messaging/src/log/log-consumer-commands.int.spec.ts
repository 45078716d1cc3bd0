import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEventStore, type SqlDatabase, type SqlEventStore, type SqlExecutor } from '@bintrail/event-store';
import { eventually } from '../bus/contract/bus-contract-suite';
import { LogConsumers, type LogConsumerOptions } from './log-consumer';

/**
 * A group whose handler runs commands (appends to the store) on PGlite, where transactions are
 * serialised: with `transactional: false` it runs outside the consumer's transaction, so its append is
 * not stuck behind it; the checkpoint moves after it (at least once, made harmless by idempotent appends).
 */
describe('consumer groups whose handlers append to the store (PGlite)', () => {
  let dir: string;
  let store: SqlEventStore;
  let consumers: LogConsumers;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bintrail-lcc-'));
    store = await openEmbeddedEventStore(dir);
    consumers = await LogConsumers.open(store, store.db, 'bintrail');
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends from the handler, retries after a failure that follows the append, and books each command once', async () => {
    for (let n = 1; n <= 5; n++) await store.appendToStream(`warehouse-${n}`, [{ type: 'warehouse.StockReceived', data: { n } }]);
    const commandIds = new Map(Array.from({ length: 5 }, (_, i) => [i + 1, randomUUID()]));
    let failedOnce = false;
    const running = await consumers.start({
      groupId: 'commands',
      categories: ['warehouse'],
      transactional: false,
      maxAttempts: 3,
      backoffMs: () => 5,
      wake: (ms) => store.waitForAppend(ms),
      handle: async (event, { tx }) => {
        const n = (event.data as { n: number }).n;
        // The command: an append with an id derived from the event, so a redelivery stores nothing new.
        await store.appendToStream(`order-${n}`, [{ type: 'order.Reacted', data: { n }, eventId: commandIds.get(n)! }]);
        await tx.query('SELECT 1'); // `tx` is the database itself here (autocommit)
        if (n === 3 && !failedOnce) {
          failedOnce = true;
          throw new Error('crashed after the command, before the checkpoint');
        }
      },
    });
    // Its checkpoint moves past its own commands' events too (positions 6-10): not of a category it reads.
    await eventually(async () => expect(await consumers.checkpoint('commands')).toBe(10), 10_000);
    const reacted = await store.readAll({ fromGlobalPosition: 1, maxCount: 100, categories: ['order'] });
    expect(reacted.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4, 5]);
    expect(failedOnce).toBe(true);
    expect(running.status).toMatchObject({ checkpoint: 10, applied: 5, parked: 0, stuck: undefined });
    await running.stop();
  });

  it('is woken by an append made while it was applying (a choreography step), not after its poll interval', async () => {
    // Each handled event makes the next one (as the warehouse's answer to an order does): 5 hops.
    await store.appendToStream('warehouse-1', [{ type: 'warehouse.Step', data: { n: 1 } }]);
    const running = await consumers.start({
      groupId: 'chain',
      categories: ['warehouse'],
      transactional: false,
      idlePollMs: 60_000, // a missed wake-up would stall the chain for a minute
      wake: (ms) => store.waitForAppend(ms),
      handle: async (event) => {
        const n = (event.data as { n: number }).n;
        if (n < 5) await store.appendToStream(`warehouse-${n + 1}`, [{ type: 'warehouse.Step', data: { n: n + 1 } }]);
      },
    });
    await eventually(async () => expect(running.status.applied).toBe(5), 5_000);
    await running.stop();
  });

  it('calls the next event\'s handler while the work a handler deferred still runs, and moves the checkpoint once all of it is done', async () => {
    for (let n = 1; n <= 20; n++) await store.appendToStream(`warehouse-${n}`, [{ type: 'warehouse.AllocationAsked', data: { n } }]);
    // Each handler's work ends only once every handler of the batch has been called: awaited one at a time
    // (no `defer`), the first would wait for the twentieth for ever.
    let called = 0;
    let allCalled!: () => void;
    const everyHandlerCalled = new Promise<void>((resolve) => (allCalled = resolve));
    const finished: number[] = [];
    const running = await consumers.start({
      groupId: 'deferring',
      categories: ['warehouse'],
      transactional: false,
      batchSize: 50,
      wake: (ms) => store.waitForAppend(ms),
      handle: async (event, { defer }) => {
        const n = (event.data as { n: number }).n;
        if (!defer) throw new Error('no defer offered on the batch path');
        if (++called === 20) allCalled();
        defer(everyHandlerCalled.then(() => void finished.push(n)));
      },
    });
    await eventually(async () => expect(await consumers.checkpoint('deferring')).toBe(20), 5_000);
    expect(finished).toHaveLength(20);
    expect(running.status).toMatchObject({ checkpoint: 20, applied: 20, parked: 0, stuck: undefined });
    await running.stop();
  });

  it('delivers the batch again from the first event whose deferred work failed, one at a time and in order, awaited', async () => {
    for (let n = 1; n <= 6; n++) await store.appendToStream(`warehouse-${n}`, [{ type: 'warehouse.AllocationAsked', data: { n } }]);
    const deferredCalls: number[] = [];
    const awaitedCalls: number[] = [];
    let failedOnce = false;
    const running = await consumers.start({
      groupId: 'deferring-failure',
      categories: ['warehouse'],
      transactional: false,
      batchSize: 50,
      backoffMs: () => 5,
      wake: (ms) => store.waitForAppend(ms),
      handle: async (event, { defer }) => {
        const n = (event.data as { n: number }).n;
        const work = (async () => {
          await new Promise((resolve) => setTimeout(resolve, 10 * (7 - n))); // the later events' work ends first
          if (n === 3 && !failedOnce) {
            failedOnce = true;
            throw new Error('the command of event 3 failed');
          }
        })();
        if (defer) {
          deferredCalls.push(n);
          defer(work);
        } else {
          awaitedCalls.push(n);
          await work;
        }
      },
    });
    await eventually(async () => expect(await consumers.checkpoint('deferring-failure')).toBe(6), 5_000);
    expect(deferredCalls).toEqual([1, 2, 3, 4, 5, 6]);
    expect(awaitedCalls).toEqual([3, 4, 5, 6]); // 1 and 2 are done; 4-6 came after the failure, so again (idempotent handlers)
    expect(running.status).toMatchObject({ checkpoint: 6, applied: 6, parked: 0, stuck: undefined });
    await running.stop();
  });

  /** Consumers on a database that counts the checkpoint writes it sees. */
  async function countingCheckpointWrites(): Promise<{ counting: LogConsumers; writes: () => number }> {
    let checkpointWrites = 0;
    const counted = (sql: string) => {
      if (sql.includes('UPDATE') && sql.includes('consumer_checkpoints')) checkpointWrites += 1;
    };
    const countingTx = (tx: SqlExecutor): SqlExecutor => ({
      query: (sql, params) => (counted(sql), tx.query(sql, params)),
      exec: (sql) => tx.exec(sql),
    });
    const db: SqlDatabase = {
      kind: store.db.kind,
      query: (sql, params) => (counted(sql), store.db.query(sql, params)),
      exec: (sql) => store.db.exec(sql),
      transaction: (work) => store.db.transaction((tx) => work(countingTx(tx))),
      close: () => store.db.close(),
    };
    return { counting: await LogConsumers.open(store, db, 'bintrail'), writes: () => checkpointWrites };
  }

  it('does not write its checkpoint after every batch of events it only skips', async () => {
    const { counting, writes } = await countingCheckpointWrites();
    const running = await counting.start({
      groupId: 'skipping',
      categories: ['warehouse'],
      accepts: (type) => type === 'warehouse.StockDispatched',
      transactional: false,
      wake: (ms) => store.waitForAppend(ms),
      handle: async () => undefined,
    });
    // Twenty receipts, each read in a batch of its own: none is for this group.
    for (let n = 1; n <= 20; n++) {
      const { positions } = await store.appendToStream(`warehouse-${n}`, [{ type: 'warehouse.StockReceived', data: { n } }]);
      await eventually(async () => expect(running.status.checkpoint).toBe(positions[0]!.globalPosition), 5_000);
    }
    expect(writes()).toBeLessThanOrEqual(3); // at most one a second (was one a batch: 20)
    await running.stop(); // and written on stop: the skipped events are not read again
    expect(await counting.checkpoint('skipping')).toBe(20);
  });

  it('writes its checkpoint over handled events at most every 100 ms under load, and soon once quiet', async () => {
    const { counting, writes } = await countingCheckpointWrites();
    const handled: number[] = [];
    const running = await counting.start({
      groupId: 'handling',
      categories: ['warehouse'],
      transactional: false,
      wake: (ms) => store.waitForAppend(ms),
      handle: async (event) => void handled.push(event.globalPosition),
    });
    try {
      // Forty events, each handled in a batch of its own, as commands come one after another.
      const started = Date.now();
      for (let n = 1; n <= 40; n++) {
        await store.appendToStream(`warehouse-${n}`, [{ type: 'warehouse.StockReceived', data: { n } }]);
        await eventually(async () => expect(running.status.checkpoint).toBe(n), 5_000);
      }
      const elapsedMs = Date.now() - started;
      expect(handled).toHaveLength(40);
      // One write per 100 ms at most, plus the first (was one a batch: 40).
      expect(writes()).toBeLessThanOrEqual(Math.min(20, Math.floor(elapsedMs / 100) + 2));
      // Once quiet, the stored checkpoint catches up within the interval and the group's next wake-up.
      await eventually(async () => expect(await counting.checkpoint('handling')).toBe(40), 1_000);
    } finally {
      await running.stop();
    }
  });

  it('does not take a short batch from the shared window for "caught up": an append made before it armed its wait is handled at once', async () => {
    await store.appendToStream('warehouse-1', [{ type: 'warehouse.Step', data: { n: 1 } }]);
    // Another group of the process has read the log: the shared window holds event 1.
    expect(await consumers.reader.read({ fromGlobalPosition: 1, maxCount: 10 })).toHaveLength(1);
    // Event 2 is appended before this group starts (and arms its wait for the next append).
    await store.appendToStream('warehouse-2', [{ type: 'warehouse.Step', data: { n: 2 } }]);
    const handled: number[] = [];
    const running = await consumers.start({
      groupId: 'short-batch',
      categories: ['warehouse'],
      idlePollMs: 60_000, // a group that thought itself caught up after event 1 would sleep a minute
      wake: (ms) => store.waitForAppend(ms),
      handle: async (event) => void handled.push((event.data as { n: number }).n),
    });
    await eventually(async () => expect(handled).toEqual([1, 2]), 5_000);
    await running.stop();
  });

  it('moves groups reading one category past the other categories\' events, with one read of the log per append for all of them', async () => {
    const handled: number[] = [];
    const groups = await Promise.all(
      Array.from({ length: 5 }, (_, g) =>
        consumers.start({
          groupId: `orders-only-${g}`,
          categories: ['order'],
          transactional: g % 2 === 0 ? false : true,
          idlePollMs: 60_000, // woken by appends only
          wake: (ms) => store.waitForAppend(ms),
          handle: async (event) => void handled.push(event.globalPosition),
        }),
      ),
    );
    try {
      const fetchesBefore = consumers.reader.counts.fetches;
      for (let n = 1; n <= 20; n++) {
        await store.appendToStream(`warehouse-${n}`, [{ type: 'warehouse.StockReceived', data: { n } }]);
        // Each group's checkpoint follows the log over events that are not for it (its lag is shown as none).
        await eventually(async () => expect(groups.map((g) => g.status.checkpoint)).toEqual([n, n, n, n, n]), 5_000);
      }
      // About one read of the log per append, shared (was one per group and append: 100).
      expect(consumers.reader.counts.fetches - fetchesBefore).toBeLessThanOrEqual(30);
      const { positions } = await store.appendToStream('order-1', [{ type: 'order.OrderPlaced', data: {} }]);
      await eventually(async () => expect(handled).toEqual([1, 2, 3, 4, 5].map(() => positions[0]!.globalPosition)), 5_000);
    } finally {
      await Promise.all(groups.map((g) => g.stop()));
    }
  });

  /** A group that notes when it applied each event and counts its transactions (a batch, or one event). */
  const timedGroup = async (options: Pick<LogConsumerOptions, 'groupId' | 'lingerMs' | 'busy'>) => {
    const handledAt = new Map<number, number>();
    let transactions = 0;
    const running = await consumers.start({
      ...options,
      wake: (ms) => store.waitForAppend(ms),
      handle: async (event) => {
        transactions += 1;
        handledAt.set(event.globalPosition, performance.now());
      },
      handleBatch: async (events) => {
        transactions += 1;
        for (const event of events) handledAt.set(event.globalPosition, performance.now());
      },
    });
    /** One command at a time, each read back before the next (a user's POST then GET): ms until each was applied, ascending. */
    const oneAtATime = async (count: number): Promise<number[]> => {
      const latencies: number[] = [];
      for (let n = 1; n <= count; n++) {
        const at = performance.now();
        const { positions } = await store.appendToStream(`warehouse-${options.groupId}-${n}`, [{ type: 'warehouse.StockReceived', data: { n } }]);
        const position = positions[0]!.globalPosition;
        await eventually(async () => expect(handledAt.has(position)).toBe(true), 5_000, 1);
        latencies.push(handledAt.get(position)! - at);
      }
      return latencies.sort((a, b) => a - b);
    };
    return { handledAt, transactions: () => transactions, running, oneAtATime };
  };

  it('lingers after a wake-up only under load: one command at a time is applied at once, a stream of appends in a few transactions', async () => {
    const { handledAt, transactions, running, oneAtATime } = await timedGroup({ groupId: 'lingering', lingerMs: 250 });
    try {
      expect((await oneAtATime(10))[5]).toBeLessThan(125); // lingering, each would take 250 ms or more
      // Four writers appending 50 events each as fast as they can: the group folds them in a few transactions.
      const before = transactions();
      await Promise.all(
        [0, 1, 2, 3].map(async (w) => {
          for (let n = 0; n < 50; n++) await store.appendToStream(`warehouse-w${w}`, [{ type: 'warehouse.StockReceived', data: { n } }]);
        }),
      );
      await eventually(async () => expect(handledAt.size).toBe(210), 10_000);
      expect(transactions() - before).toBeLessThanOrEqual(40);
    } finally {
      await running.stop();
    }
  });

  it('with a load signal: reads at most every lingerMs while it says busy (one transaction for many appends), at once while it does not', async () => {
    let busy = false;
    const { handledAt, transactions, running, oneAtATime } = await timedGroup({ groupId: 'signalled', lingerMs: 60, busy: () => busy });
    try {
      expect((await oneAtATime(6))[3]).toBeLessThan(30); // not busy; lingering, each would take up to 60 ms
      // Busy: an append every few milliseconds, each one a wake-up. Read after every append, that was a
      // transaction per append (the group is quicker than the appends come, so it never saw two between reads).
      busy = true;
      const before = transactions();
      const started = performance.now();
      let appended = 0;
      while (performance.now() - started < 600) {
        await store.appendToStream('warehouse-paced', [{ type: 'warehouse.StockReceived', data: { appended } }]);
        appended += 1;
        await new Promise((resolve) => setTimeout(resolve, 4));
      }
      const seconds = (performance.now() - started) / 1_000;
      await eventually(async () => expect(handledAt.size).toBe(6 + appended), 10_000);
      expect(appended).toBeGreaterThan(30);
      // One read per 60 ms at most: about 10 in 600 ms (and a last one after the writer stopped).
      expect(transactions() - before).toBeLessThanOrEqual(Math.ceil((seconds * 1_000) / 60) + 3);
    } finally {
      await running.stop();
    }
  });
});
