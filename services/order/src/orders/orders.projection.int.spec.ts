import fc from 'fast-check';
import type { RecordedEvent } from '@bintrail/contracts';
import { recordedEvents } from '@bintrail/testing';
import { quoteIdent, runMigrations, type SqlDatabase } from '@bintrail/event-store';
import { readModelDatabases } from '@bintrail/event-store/testing';
import { OrderFlow } from '../allocation/order-flow.test-helper';
import { allocatedInWh1, orderPlaced } from './order.test-helper';
import type { OrderEvent } from './order.domain';
import { ordersProjection } from './orders.projection';

const WAREHOUSES = ['WH1', 'WH2'];
const SKUS = ['S1', 'S2'];
const TABLES = ['orders', 'order_pick_bins'];

type Step =
  | { readonly kind: 'place'; readonly quantities: readonly number[]; readonly warehouses: readonly string[] }
  | { readonly kind: 'receive'; readonly warehouse: number; readonly sku: number; readonly quantity: number }
  | { readonly kind: 'cancel'; readonly order: number }
  | { readonly kind: 'pick'; readonly line: number; readonly missing: number }
  | { readonly kind: 'dispatch'; readonly line: number }
  | { readonly kind: 'stray'; readonly line: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('place' as const), quantities: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }), warehouses: fc.shuffledSubarray(WAREHOUSES, { minLength: 1 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('receive' as const), warehouse: fc.nat(1), sku: fc.nat(1), quantity: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), order: fc.nat(20) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pick' as const), line: fc.nat(20), missing: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dispatch' as const), line: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stray' as const), line: fc.nat(20) }) },
);

/** A random day of the order flow (orders placed, allocated as stock comes, picked, shorted, dispatched, cancelled) as the log records it. */
function dayOf(steps: readonly Step[], choices: readonly number[]): RecordedEvent[] {
  const flow = new OrderFlow(WAREHOUSES);
  const strays: { readonly at: number; readonly type: string; readonly data: unknown; readonly streamId: string }[] = [];
  let placed = 0;
  for (const s of steps) {
    if (s.kind === 'place') {
      const lines = s.quantities.map((quantity, i) => ({ lineId: `L${i + 1}`, sku: SKUS[i % SKUS.length]!, quantity }));
      flow.order({ type: 'PlaceOrder', orderId: `O${++placed}`, lines, warehouses: s.warehouses, placedAt: `2026-03-01T09:${String(placed).padStart(2, '0')}:00.000Z` });
    } else if (s.kind === 'receive') flow.receive(WAREHOUSES[s.warehouse]!, SKUS[s.sku]!, s.quantity);
    else if (s.kind === 'cancel' && placed > 0) {
      try {
        flow.order({ type: 'CancelOrder', orderId: `O${1 + (s.order % placed)}`, reason: 'changed their mind', cancelledAt: '2026-03-02T09:00:00.000Z' });
      } catch {
        // a shipped order refuses it
      }
    } else if (s.kind === 'pick') {
      const open = flow.openLines();
      const line = open[s.line % Math.max(open.length, 1)];
      if (line) flow.pick(line[0], line[1], line[2], line[3], Math.max(0, line[3] - s.missing));
    } else if (s.kind === 'dispatch') {
      const staged = flow.stagedLines();
      const line = staged[s.line % Math.max(staged.length, 1)];
      if (line) flow.dispatch(...line, `SH${s.line % 3}`);
    } else if (s.kind === 'stray') {
      // allocations the order service never asked for: an unknown order, and a line id of no attempt
      const data = { lineId: 'L1#1', sku: 'S1', requested: 1, allocations: [{ bin: 'A-01', quantity: 1 }], shortQuantity: 0 };
      strays.push({ at: flow.log.length, type: 'warehouse.StockAllocated', data: { ...data, orderId: `X${s.line}` }, streamId: 'warehouse-WH1' });
      strays.push({ at: flow.log.length, type: 'warehouse.StockAllocated', data: { ...data, orderId: 'O1', lineId: 'manual' }, streamId: 'warehouse-WH2' });
    }
    flow.settle(choices);
  }
  const recorded = recordedEvents({ step: 3 });
  const log: RecordedEvent[] = [];
  flow.log.forEach((e, i) => {
    for (const stray of strays.filter((x) => x.at === i)) log.push(recorded(stray.type, stray.data, stray.streamId));
    log.push(recorded(e.type, e.data, e.streamId));
  });
  const types = new Set(ordersProjection.types);
  return log.filter((e) => types.has(e.type));
}

const targets = readModelDatabases('orders_batch');

/** Orders and their pick bins: a live batch through applyBatch books what apply books event by event. */
describe.each(targets)('orders projection (%s)', (_name, makeTarget) => {
  const target = makeTarget();
  let db: SqlDatabase;
  const freshSchema = async (): Promise<string> => {
    const schema = target.schema();
    await runMigrations(db, schema, `projection:${ordersProjection.name}`, ordersProjection.migrations);
    return quoteIdent(schema);
  };
  const rows = async (s: string, table: string) => (await db.query(`SELECT * FROM ${s}.${table}`)).rows.map((r) => JSON.stringify(r)).sort();
  const applyOneByOne = async (events: readonly RecordedEvent[], s: string) => {
    for (const event of events) await db.transaction((tx) => ordersProjection.apply(event, tx, s));
  };
  const applyInBatches = async (events: readonly RecordedEvent[], s: string, cuts: readonly number[]) => {
    const bounds = [0, ...[...new Set(cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b), events.length];
    for (let i = 1; i < bounds.length; i++) {
      const batch = events.slice(bounds[i - 1], bounds[i]);
      if (batch.length > 0) await db.transaction((tx) => ordersProjection.applyBatch!(batch, tx, s));
    }
  };

  beforeAll(() => {
    db = target.open();
  });
  afterAll(async () => {
    await db.close();
    await target.cleanup();
  });

  it('books the same orders and pick bins through applyBatch as through apply event by event, over random days cut into random batches', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 5, maxLength: 30 }),
        fc.array(fc.nat(40), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(1_000), { maxLength: 6 }),
        async (steps, choices, cuts) => {
          const events = dayOf(steps, choices);
          const single = await freshSchema();
          await applyOneByOne(events, single);
          const batched = await freshSchema();
          await applyInBatches(events, batched, cuts);
          for (const table of TABLES) {
            const expected = await rows(single, table);
            if (table === 'order_pick_bins' && expected.length > 0) nonEmpty++;
            expect({ table, rows: await rows(batched, table) }).toEqual({ table, rows: expected });
          }
        },
      ),
      { numRuns: 12 },
    );
    expect(nonEmpty).toBeGreaterThan(0); // the days reach pick lists, not only orders
  });

  const recorded = recordedEvents({ from: 10_000 });
  const order = (event: OrderEvent) => recorded(event.type, event.data, 'order-O1');
  const line = { orderId: 'O1', lineId: 'L1#1', sku: 'S1' };

  it('books the pick list of an order placed and allocated in the same batch, and none for an order it does not know', async () => {
    const events = [
      recorded('warehouse.StockAllocated', { ...line, requested: 5, allocations: [{ bin: 'A-01', quantity: 5 }], shortQuantity: 0 }), // before its order: ignored
      ...allocatedInWh1.map(order),
      recorded('warehouse.StockAllocated', { ...line, requested: 5, allocations: [{ bin: 'A-01', quantity: 3 }, { bin: 'B-01', quantity: 2 }], shortQuantity: 0 }),
      recorded('warehouse.StockPicked', { ...line, bin: 'A-01', quantity: 3 }), // A-01 emptied
      recorded('warehouse.StockAllocated', { ...line, orderId: 'O9', requested: 1, allocations: [{ bin: 'A-01', quantity: 1 }], shortQuantity: 0 }),
    ];
    const single = await freshSchema();
    await applyOneByOne(events, single);
    expect((await db.query(`SELECT order_id, bin, quantity::int AS quantity FROM ${single}.order_pick_bins`)).rows).toEqual([{ order_id: 'O1', bin: 'B-01', quantity: 2 }]);
    for (const cuts of [[], [1], [3, 7], [6]]) {
      const batched = await freshSchema();
      await applyInBatches(events, batched, cuts);
      for (const table of TABLES) expect({ cuts, table, rows: await rows(batched, table) }).toEqual({ cuts, table, rows: await rows(single, table) });
    }
  });

  it('refuses a batch that apply would refuse part-way, even when the batch as a whole nets out, and books nothing of it', async () => {
    const batched = await freshSchema();
    await applyInBatches([order(orderPlaced)], batched, []);
    const before = await Promise.all(TABLES.map((t) => rows(batched, t)));
    const overPicked = recorded('warehouse.StockPicked', { ...line, bin: 'A-01', quantity: 2 });
    const allocated = recorded('warehouse.StockAllocated', { ...line, requested: 2, allocations: [{ bin: 'A-01', quantity: 2 }], shortQuantity: 0 });
    await expect(db.transaction((tx) => ordersProjection.apply(overPicked, tx, batched))).rejects.toThrow('order O1 L1#1 would have -2 units to pick in bin A-01 of WH1');
    await expect(db.transaction((tx) => ordersProjection.applyBatch!([order(allocatedInWh1[1]!), overPicked, allocated], tx, batched))).rejects.toThrow(
      'order O1 L1#1 would have -2 units to pick in bin A-01 of WH1',
    );
    expect(await Promise.all(TABLES.map((t) => rows(batched, t)))).toEqual(before);
  });
});
