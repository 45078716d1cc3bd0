import fc from 'fast-check';
import { openEmbeddedEventStore, openPostgresEventStore, type SqlEventStore } from '@bintrail/event-store';
import { inventoryProjections } from '@bintrail/inventory';
import { LogConsumers } from '@bintrail/messaging';
import { startProjections, type RunningProjections } from '@bintrail/projections';
import { StreamCommandHandler } from '@bintrail/service-kit';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import {
  keyedValues,
  stockBySku,
  toPick,
  warehouseDecider,
  WarehouseError,
  warehouseProjections,
  warehouseStreamId,
  type WarehouseCommand,
  type WarehouseEvent,
  type WarehouseState,
} from '@bintrail/warehouse';
import { eventually } from './testing/platform-process';

/**
 * The stock read models of both services, fed from the same log a random day of warehouse work wrote
 * (two warehouses, three SKUs: receipts, putaway, moves, counts, allocations, picks short and full,
 * releases, dispatches), on a PostgreSQL server and on PGlite. They must agree with the streams'
 * own state and with each other: bin rows equal the warehouse state, and per SKU and warehouse the
 * sum over bins equals the totals.
 */
const SKUS = ['S1', 'S2', 'S3'];
const WAREHOUSES = ['WH1', 'WH2'];
const BINS = ['A-01', 'A-02', 'B-01', 'DOCK', 'STAGING'];

type Step =
  | { readonly warehouse: string; readonly command: WarehouseCommand }
  | { readonly warehouse: string; readonly pick: number; readonly missing: number }
  | { readonly warehouse: string; readonly dispatch: number; readonly shipment: string };

const sku = fc.constantFrom(...SKUS);
const bin = fc.constantFrom(...BINS);
const quantity = fc.integer({ min: 1, max: 8 });
const line = fc.record({ orderId: fc.constantFrom('O1', 'O2', 'O3', 'O4'), lineId: fc.constantFrom('L1', 'L2') });
const command: fc.Arbitrary<WarehouseCommand> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('ReceiveStock' as const), receiptId: fc.uuid(), sku, quantity, bin }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('PutAway' as const), sku, quantity, fromBin: fc.constant('DOCK') }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('MoveStock' as const), sku, quantity, fromBin: bin, toBin: bin }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('CountBin' as const), countId: fc.uuid(), bin, sku, countedQuantity: fc.integer({ min: 0, max: 8 }), reason: fc.constant('cycle count') }) },
  { weight: 3, arbitrary: fc.tuple(line, sku, quantity).map(([l, s, q]): WarehouseCommand => ({ type: 'AllocateStock', ...l, sku: s, quantity: q })) },
  { weight: 1, arbitrary: line.map((l): WarehouseCommand => ({ type: 'ReleaseAllocation', ...l })) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ warehouse: fc.constantFrom(...WAREHOUSES), command }) },
  { weight: 3, arbitrary: fc.record({ warehouse: fc.constantFrom(...WAREHOUSES), pick: fc.nat(7), missing: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 3 })) }) },
  { weight: 1, arbitrary: fc.record({ warehouse: fc.constantFrom(...WAREHOUSES), dispatch: fc.nat(7), shipment: fc.constantFrom('SH1', 'SH2') }) },
);

/** Picks from an open pick list and dispatches staged units, chosen against the stream's state of the moment. */
function resolve(s: Step, state: WarehouseState): WarehouseCommand | undefined {
  if ('command' in s) return s.command;
  if (!state.exists) return undefined;
  const lines = keyedValues(state.lines).sort((a, b) => a.sequence - b.sequence);
  if ('pick' in s) {
    const open = lines.filter((l) => toPick(l).length > 0);
    const picking = open[s.pick % Math.max(open.length, 1)];
    if (!picking) return undefined;
    const { bin: from, quantity: held } = toPick(picking)[0]!;
    return { type: 'ConfirmPick', orderId: picking.orderId, lineId: picking.lineId, bin: from, sku: picking.sku, quantity: held, pickedQuantity: Math.max(0, held - s.missing) };
  }
  const staged = lines.filter((l) => (l.bins.STAGING ?? 0) > 0);
  const shipping = staged[s.dispatch % Math.max(staged.length, 1)];
  return shipping && { type: 'DispatchStock', orderId: shipping.orderId, lineId: shipping.lineId, shipmentId: s.shipment };
}

interface Target {
  readonly schema: string;
  open(): Promise<SqlEventStore>;
  cleanup(): Promise<void>;
}
const targets: [string, () => Target][] = [
  [
    'PostgreSQL',
    () => {
      const schema = uniqueSchema('stock');
      return { schema, open: () => openPostgresEventStore(testDatabaseUrl(), { schema, poolSize: 4 }), cleanup: () => dropSchema(testDatabaseUrl(), schema) };
    },
  ],
  ['PGlite', () => ({ schema: 'bintrail', open: () => openEmbeddedEventStore(undefined, { schema: 'bintrail' }), cleanup: async () => undefined })],
];

interface BinRow {
  warehouse: string;
  bin: string;
  sku: string;
  onHand: number;
  held: number;
}
const byKey = (a: BinRow, b: BinRow) => (`${a.warehouse}|${a.bin}|${a.sku}` < `${b.warehouse}|${b.bin}|${b.sku}` ? -1 : 1);

describe.each(targets)('stock read models against the warehouse streams (%s)', (_name, makeTarget) => {
  let target: Target;
  let store: SqlEventStore;
  let projections: RunningProjections;

  beforeEach(async () => {
    target = makeTarget();
    store = await target.open();
    const consumers = await LogConsumers.open(store, store.db, target.schema);
    projections = await startProjections(store.db, consumers, target.schema, [...inventoryProjections, ...warehouseProjections], { wake: (ms) => store.waitForAppend(ms) });
  });
  afterEach(async () => {
    await projections.stop();
    await store.close();
    await target.cleanup();
  });

  it('books every bin as the streams hold it, and per SKU and warehouse the bins add up to the totals', async () => {
    for (const s of SKUS) {
      await store.appendToStream(`inventory-item-${s}`, [{ type: 'inventory.ItemRegistered', data: { sku: s, description: s, unit: 'each' } }], { expectedVersion: 'no-stream' });
    }
    const warehouses = new StreamCommandHandler(store, warehouseDecider);
    for (const code of WAREHOUSES) {
      for (const c of [
        { type: 'CreateWarehouse', code, name: code },
        { type: 'AddBin', code: 'A-01', capacity: 6 },
        { type: 'AddBin', code: 'A-02', capacity: 10 },
        { type: 'AddBin', code: 'B-01' },
      ] as WarehouseCommand[]) {
        await warehouses.handle(warehouseStreamId(code), c);
      }
    }
    const seen = new Set<WarehouseEvent['type']>();
    for (const s of fc.sample(step, { numRuns: 300, seed: 20261125 })) {
      const streamId = warehouseStreamId(s.warehouse);
      const next = resolve(s, (await warehouses.load(streamId)).state);
      if (!next) continue;
      try {
        const { events } = await warehouses.handle(streamId, next, { actor: 'test', source: 'warehouse' });
        for (const e of events) seen.add(e.type);
      } catch (error) {
        if (!(error instanceof WarehouseError)) throw error;
      }
    }
    // The day was busy enough to mean something: stock in, moved, counted, allocated, picked (some short), dispatched.
    for (const type of ['warehouse.StockReceived', 'warehouse.StockPutAway', 'warehouse.StockMoved', 'warehouse.StockAdjusted', 'warehouse.StockAllocated', 'warehouse.StockPicked', 'warehouse.PickShorted', 'warehouse.StockDispatched'] as const) {
      expect([...seen]).toContain(type);
    }

    const head = await store.headPosition();
    await eventually(() => expect(projections.status.filter((p) => p.checkpoint < head).map((p) => p.projection)).toEqual([]), 30_000);
    expect(projections.status.map((p) => [p.projection, p.parked])).toEqual(projections.status.map((p) => [p.projection, 0]));

    const expected: BinRow[] = [];
    const totals: { sku: string; warehouse: string; onHand: number; reserved: number }[] = [];
    for (const code of WAREHOUSES) {
      const { state } = await warehouses.load(warehouseStreamId(code));
      if (!state.exists) throw new Error(`${code} vanished`);
      for (const [b, skus] of Object.entries(state.stock)) {
        for (const [s, { onHand, allocated }] of Object.entries(skus)) expected.push({ warehouse: code, bin: b, sku: s, onHand, held: allocated });
      }
      for (const t of stockBySku(state)) totals.push({ sku: t.sku, warehouse: code, onHand: t.onHand, reserved: t.allocated });
    }
    expected.sort(byKey);
    const s = target.schema;
    const rows = async (sql: string) => (await store.db.query<Record<string, string | number>>(sql)).rows;

    const warehouseBins = (await rows(`SELECT warehouse, bin, sku, on_hand, allocated FROM ${s}.warehouse_bin_stock`))
      .map((r) => ({ warehouse: String(r.warehouse), bin: String(r.bin), sku: String(r.sku), onHand: Number(r.on_hand), held: Number(r.allocated) }))
      .sort(byKey);
    expect(warehouseBins).toEqual(expected);

    const inventoryBins = (await rows(`SELECT warehouse, bin, sku, on_hand, reserved FROM ${s}.inventory_bin_stock`))
      .map((r) => ({ warehouse: String(r.warehouse), bin: String(r.bin), sku: String(r.sku), onHand: Number(r.on_hand), held: Number(r.reserved) }))
      .sort(byKey);
    expect(inventoryBins).toEqual(expected);

    const inventoryTotals = (await rows(`SELECT sku, warehouse, on_hand, reserved FROM ${s}.inventory_stock WHERE on_hand <> 0 OR reserved <> 0`))
      .map((r) => ({ sku: String(r.sku), warehouse: String(r.warehouse), onHand: Number(r.on_hand), reserved: Number(r.reserved) }))
      .sort((a, b) => (`${a.warehouse}|${a.sku}` < `${b.warehouse}|${b.sku}` ? -1 : 1));
    expect(inventoryTotals).toEqual(totals.sort((a, b) => (`${a.warehouse}|${a.sku}` < `${b.warehouse}|${b.sku}` ? -1 : 1)));

    // The invariant, in the inventory's own tables: per SKU and warehouse, the sum over bins == the totals.
    for (const t of inventoryTotals) {
      const inBins = inventoryBins.filter((b) => b.sku === t.sku && b.warehouse === t.warehouse);
      expect({ sku: t.sku, warehouse: t.warehouse, onHand: inBins.reduce((n, b) => n + b.onHand, 0), reserved: inBins.reduce((n, b) => n + b.held, 0) }).toEqual(t);
    }
    expect(await rows(`SELECT sku FROM ${s}.warehouse_known_items ORDER BY sku`)).toEqual(SKUS.map((x) => ({ sku: x })));
  });
});
