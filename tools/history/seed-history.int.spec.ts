import { openPostgresEventStore, quoteIdent, type SqlEventStore } from '@bintrail/event-store';
import { LogConsumers } from '@bintrail/messaging';
import { rebuildProjection } from '@bintrail/projections';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { AUDITED_PROJECTIONS, verifyStock } from '../audit/verify';
import { seedHistory, type SeedResult } from './seed';

/** Every kind of work a warehouse company does shows up in even a small history. */
const KINDS = [
  'inventory.ItemRegistered',
  'warehouse.WarehouseCreated',
  'warehouse.BinAdded',
  'warehouse.StockReceived',
  'warehouse.StockPutAway',
  'warehouse.StockMoved',
  'warehouse.StockAllocated',
  'warehouse.StockPicked',
  'warehouse.PickShorted',
  'warehouse.BinCounted',
  'warehouse.StockAdjusted',
  'warehouse.StockDispatched',
  'warehouse.AllocationReleased',
  'order.OrderPlaced',
  'order.LineAllocated',
  'order.LineBackOrdered',
  'order.BackOrderFilled',
  'order.LinePicked',
  'order.OrderShipped',
  'order.OrderDelivered',
  'order.OrderCancelled',
  'shipping.ShipmentOpened',
  'shipping.ShipmentDispatched',
  'shipping.ShipmentDelivered',
  'shipping.TransferRequested',
  'shipping.TransferDispatched',
  'shipping.TransferReceived',
];

describe('seed:history on PostgreSQL', () => {
  const schema = uniqueSchema('hist');
  let store: SqlEventStore;
  let result: SeedResult;
  const to = new Date();
  const from = new Date(to.getTime() - 365 * 24 * 3_600_000);

  beforeAll(async () => {
    store = await openPostgresEventStore(testDatabaseUrl(), { schema, poolSize: 9 });
    result = await seedHistory(store, { events: 6_000, warehouses: 4, seed: 1, from, to });
  }, 120_000);
  afterAll(async () => {
    await store.close();
    await dropSchema(testDatabaseUrl(), schema);
  });

  it('writes about the number of events asked for, every kind of work among them, as the store holds them', async () => {
    expect(result.events).toBeGreaterThanOrEqual(6_000);
    expect(result.events).toBeLessThan(6_600);
    expect(result.refused).toEqual({});
    for (const kind of KINDS) expect({ kind, count: result.typeCounts[kind] ?? 0 }).toEqual({ kind, count: expect.any(Number) as number });
    for (const kind of KINDS) expect(result.typeCounts[kind]).toBeGreaterThan(0);
    // Plausible proportions: most orders get somewhere, picks follow allocations, receipts are put away.
    const n = (type: string) => result.typeCounts[type] ?? 0;
    expect(n('order.OrderDelivered')).toBeGreaterThan(n('order.OrderPlaced') / 5);
    expect(n('warehouse.StockPicked')).toBeLessThanOrEqual(n('warehouse.StockAllocated'));
    expect(n('warehouse.StockPutAway')).toBeGreaterThan(n('warehouse.StockReceived') / 2);

    const s = quoteIdent(schema);
    const { rows } = await store.db.query<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM ${s}.events GROUP BY type`);
    expect(Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]))).toEqual(result.typeCounts);
    // occurredAt spread over the year (as-of by time means something), and every event carries who and why.
    const { rows: span } = await store.db.query<{ first: Date; last: Date; no_actor: string }>(
      `SELECT min(occurred_at) AS first, max(occurred_at) AS last, count(*) FILTER (WHERE metadata->>'actor' IS NULL OR metadata->>'correlationId' IS NULL) AS no_actor FROM ${s}.events`,
    );
    expect(span[0]!.first.getTime()).toBeLessThan(from.getTime() + 7 * 24 * 3_600_000);
    expect(span[0]!.last.getTime()).toBeGreaterThan(to.getTime() - 30 * 24 * 3_600_000);
    expect(Number(span[0]!.no_actor)).toBe(0);
  });

  it('folds into the core projections without a parked event, and `audit verify` finds them in agreement with a replay', async () => {
    await LogConsumers.open(store, store.db, schema); // the checkpoint table a rebuild switches
    for (const projection of AUDITED_PROJECTIONS) {
      const rebuilt = await rebuildProjection(store, schema, projection, { batchSize: 2_000 });
      expect(rebuilt.checkpoint).toBe(await store.headPosition());
    }
    const { rows: parked } = await store.db.query(`SELECT * FROM ${quoteIdent(schema)}.parked_events`);
    expect(parked).toEqual([]);
    const report = await verifyStock(store, schema, { batchSize: 2_000 });
    expect(report.unfoldable).toEqual([]);
    expect(report.invariants).toEqual([]);
    expect(report.differences).toEqual([]);
    expect(report.agrees).toBe(true);
    expect(report.eventsReplayed).toBe(result.events);
    // Stock is where the history says: bins hold units, some SKUs are allocated, none negative (verify checked).
    const { rows } = await store.db.query<{ units: string; bins: string }>(
      `SELECT coalesce(sum(on_hand), 0) AS units, count(DISTINCT (warehouse, bin)) AS bins FROM ${quoteIdent(schema)}.warehouse_bin_stock`,
    );
    expect(Number(rows[0]!.units)).toBeGreaterThan(0);
    expect(Number(rows[0]!.bins)).toBeGreaterThan(4);
  }, 120_000);
});
