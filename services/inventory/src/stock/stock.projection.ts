import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from '@bintrail/projections';
import { applyStockBatch } from './stock-batch';
import { backOrderChanges, ORDER_BACK_ORDER_EVENT_TYPES, type OrderBackOrderEvent } from './back-orders.domain';
import { IN_TRANSIT_EVENT_TYPES, inTransitChanges, type InTransitChange, type InTransitEvent } from './in-transit.domain';
import { stockChanges, WAREHOUSE_STOCK_EVENT_TYPES, warehouseOfStream, type StockChange, type WarehouseStockEvent } from './stock-changes.domain';

/**
 * The big picture of stock, fed by the warehouses' events: totals per (SKU, warehouse) in
 * `inventory_stock`, and the inventory's own copy of bin quantities in `inventory_bin_stock` (so that
 * "which bins hold SKU X" never reads the warehouse service's tables). Both move in the same
 * transaction, so the sum over a warehouse's bins equals its on-hand at every checkpoint.
 * Back-ordered units per SKU (`inventory_back_orders`) come from the order service's events; they
 * belong to no warehouse, so `inventory_stock.back_ordered` stays 0. `in_transit` comes from the shipping
 * service's events (ASNs and transfers on their way to the warehouse, see in-transit.domain.ts).
 */
export const stockProjection: Projection = {
  name: 'inventory-stock',
  types: [...WAREHOUSE_STOCK_EVENT_TYPES, ...ORDER_BACK_ORDER_EVENT_TYPES, ...IN_TRANSIT_EVENT_TYPES],
  migrations: [
    {
      version: 1,
      name: 'stock totals per SKU and warehouse, and per bin',
      sql: (s) => `
        CREATE TABLE ${s}.inventory_stock (
          sku text NOT NULL,
          warehouse text NOT NULL,
          on_hand bigint NOT NULL DEFAULT 0,
          reserved bigint NOT NULL DEFAULT 0,
          in_transit bigint NOT NULL DEFAULT 0,
          back_ordered bigint NOT NULL DEFAULT 0,
          position bigint NOT NULL,
          PRIMARY KEY (sku, warehouse)
        );
        CREATE TABLE ${s}.inventory_bin_stock (
          sku text NOT NULL,
          warehouse text NOT NULL,
          bin text NOT NULL,
          on_hand bigint NOT NULL,
          reserved bigint NOT NULL,
          position bigint NOT NULL,
          PRIMARY KEY (sku, warehouse, bin)
        );`,
    },
    {
      version: 2,
      name: 'back-ordered units per SKU',
      sql: (s) => `CREATE TABLE ${s}.inventory_back_orders (sku text PRIMARY KEY, quantity bigint NOT NULL, position bigint NOT NULL);`,
    },
  ],
  async apply(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
    if (recorded.type.startsWith('order.')) return bookBackOrders(tx, s, backOrderChanges(recorded as unknown as OrderBackOrderEvent), recorded.globalPosition);
    if (recorded.type.startsWith('shipping.')) return bookInTransit(tx, s, inTransitChanges(recorded as unknown as InTransitEvent), recorded.globalPosition);
    const changes = stockChanges(recorded as unknown as WarehouseStockEvent);
    if (changes.length === 0) return;
    const warehouse = warehouseOfStream(recorded.streamId);
    await bookTotals(tx, s, warehouse, changes, recorded.globalPosition);
    await bookBins(tx, s, warehouse, changes, recorded.globalPosition);
  },
  applyBatch: applyStockBatch,
};

async function bookTotals(tx: SqlExecutor, s: string, warehouse: string, changes: readonly StockChange[], position: number): Promise<void> {
  const onHand = changes.reduce((n, c) => n + c.onHand, 0);
  const reserved = changes.reduce((n, c) => n + c.reserved, 0);
  if (onHand === 0 && reserved === 0) return; // a move within the warehouse
  const { rows } = await tx.query<{ on_hand: string | number; reserved: string | number }>(
    `INSERT INTO ${s}.inventory_stock AS t (sku, warehouse, on_hand, reserved, position) VALUES ($1, $2, $3::bigint, $4::bigint, $5)
     ON CONFLICT (sku, warehouse) DO UPDATE SET on_hand = t.on_hand + EXCLUDED.on_hand, reserved = t.reserved + EXCLUDED.reserved, position = EXCLUDED.position
     RETURNING t.on_hand, t.reserved`,
    [changes[0]!.sku, warehouse, onHand, reserved, position],
  );
  requireSane(rows[0]!, `${changes[0]!.sku} in ${warehouse}`);
}

async function bookInTransit(tx: SqlExecutor, s: string, changes: readonly InTransitChange[], position: number): Promise<void> {
  for (const { sku, warehouse, delta } of changes) {
    if (delta === 0) continue;
    const { rows } = await tx.query<{ in_transit: string | number }>(
      `INSERT INTO ${s}.inventory_stock AS t (sku, warehouse, in_transit, position) VALUES ($1, $2, $3::bigint, $4)
       ON CONFLICT (sku, warehouse) DO UPDATE SET in_transit = t.in_transit + EXCLUDED.in_transit, position = EXCLUDED.position RETURNING t.in_transit`,
      [sku, warehouse, delta, position],
    );
    if (Number(rows[0]!.in_transit) < 0) throw new Error(`${sku} in ${warehouse} would have ${rows[0]!.in_transit} units in transit`);
  }
}

async function bookBackOrders(tx: SqlExecutor, s: string, changes: readonly { sku: string; delta: number }[], position: number): Promise<void> {
  for (const { sku, delta } of changes) {
    const { rows } = await tx.query<{ quantity: string | number }>(
      `INSERT INTO ${s}.inventory_back_orders AS b (sku, quantity, position) VALUES ($1, $2::bigint, $3)
       ON CONFLICT (sku) DO UPDATE SET quantity = b.quantity + EXCLUDED.quantity, position = EXCLUDED.position RETURNING b.quantity`,
      [sku, delta, position],
    );
    if (Number(rows[0]!.quantity) < 0) throw new Error(`${sku} would have ${rows[0]!.quantity} units back-ordered`);
  }
}

/**
 * A warehouse never goes below zero nor reserves more than it holds: totals that would are a broken read
 * model, and say so (the event is retried, then parked and shown by GET /status). Not a CHECK constraint:
 * PostgreSQL checks those on the row of deltas about to be inserted, before ON CONFLICT makes it an update.
 */
function requireSane(row: { on_hand: string | number; reserved: string | number }, where: string): void {
  const onHand = Number(row.on_hand);
  const reserved = Number(row.reserved);
  if (onHand < 0 || reserved < 0 || reserved > onHand) throw new Error(`${where} would be ${onHand} on hand, ${reserved} reserved`);
}

/** One upsert for all bins the event touched; a bin left with nothing of the SKU loses its row. */
async function bookBins(tx: SqlExecutor, s: string, warehouse: string, changes: readonly StockChange[], position: number): Promise<void> {
  const params: unknown[] = [changes[0]!.sku, warehouse, position];
  const rows = changes.map((c) => {
    params.push(c.bin, c.onHand, c.reserved);
    const n = params.length;
    return `($1, $2, $${n - 2}, $${n - 1}::bigint, $${n}::bigint, $3::bigint)`;
  });
  const { rows: after } = await tx.query<{ bin: string; on_hand: string | number; reserved: string | number }>(
    `INSERT INTO ${s}.inventory_bin_stock AS b (sku, warehouse, bin, on_hand, reserved, position) VALUES ${rows.join(', ')}
     ON CONFLICT (sku, warehouse, bin) DO UPDATE
       SET on_hand = b.on_hand + EXCLUDED.on_hand, reserved = b.reserved + EXCLUDED.reserved, position = EXCLUDED.position
     RETURNING b.bin, b.on_hand, b.reserved`,
    params,
  );
  for (const row of after) requireSane(row, `${changes[0]!.sku} in bin ${row.bin} of ${warehouse}`);
  for (const emptied of after.filter((r) => Number(r.on_hand) === 0 && Number(r.reserved) === 0)) {
    await tx.query(`DELETE FROM ${s}.inventory_bin_stock WHERE sku = $1 AND warehouse = $2 AND bin = $3`, [changes[0]!.sku, warehouse, emptied.bin]);
  }
}

export interface WarehouseStock {
  readonly warehouse: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
  readonly inTransit: number;
}

export interface SkuStock {
  readonly sku: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
  readonly inTransit: number;
  readonly backOrdered: number;
  readonly warehouses: readonly WarehouseStock[];
}

export interface BinStock {
  readonly warehouse: string;
  readonly bin: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
}

interface StockRow {
  sku: string;
  registered: boolean;
  warehouse: string | null;
  on_hand: string | null;
  reserved: string | null;
  in_transit: string | null;
  back_ordered: string | null;
  /** Back-ordered units of the SKU (no warehouse's): repeated on each of its rows. */
  sku_back_ordered: string | null;
}

/**
 * One page of SKUs (registered in the item master, or holding stock) in code-point order after
 * `after`, with their totals; `nextAfter` is the key of the next page, null on the last one.
 */
export async function stockPage(db: SqlExecutor, s: string, options: { after?: string; limit: number }): Promise<{ items: SkuStock[]; nextAfter: string | null }> {
  const { rows } = await db.query<StockRow>(
    `WITH page AS (
       SELECT sku, bool_or(registered) AS registered FROM (
         SELECT sku, true AS registered FROM ${s}.inventory_items WHERE $1::text IS NULL OR sku COLLATE "C" > $1::text
         UNION ALL
         SELECT sku, false FROM ${s}.inventory_stock WHERE $1::text IS NULL OR sku COLLATE "C" > $1::text
       ) k GROUP BY sku ORDER BY sku COLLATE "C" LIMIT $2
     )
     SELECT p.sku, p.registered, t.warehouse, t.on_hand, t.reserved, t.in_transit, t.back_ordered, b.quantity AS sku_back_ordered
     FROM page p LEFT JOIN ${s}.inventory_stock t ON t.sku = p.sku LEFT JOIN ${s}.inventory_back_orders b ON b.sku = p.sku
     ORDER BY p.sku COLLATE "C", t.warehouse COLLATE "C"`,
    [options.after ?? null, options.limit + 1],
  );
  const items = summarise(rows);
  const more = items.length > options.limit;
  const page = more ? items.slice(0, options.limit) : items;
  return { items: page, nextAfter: more ? page.at(-1)!.sku : null };
}

/** The SKU's totals, or undefined when the item master never registered it and no warehouse holds it. */
export async function stockOfSku(db: SqlExecutor, s: string, sku: string): Promise<SkuStock | undefined> {
  const { rows } = await db.query<StockRow>(
    `SELECT $1::text AS sku, EXISTS (SELECT 1 FROM ${s}.inventory_items WHERE sku = $1) AS registered,
            t.warehouse, t.on_hand, t.reserved, t.in_transit, t.back_ordered,
            (SELECT quantity FROM ${s}.inventory_back_orders WHERE sku = $1) AS sku_back_ordered
     FROM (SELECT 1) one LEFT JOIN ${s}.inventory_stock t ON t.sku = $1
     ORDER BY t.warehouse COLLATE "C"`,
    [sku],
  );
  if (!rows[0]!.registered && rows.every((r) => r.warehouse === null)) return undefined;
  return summarise(rows)[0];
}

/** Every bin holding the SKU, by warehouse and bin. */
export async function binsOfSku(db: SqlExecutor, s: string, sku: string): Promise<BinStock[]> {
  const { rows } = await db.query<{ warehouse: string; bin: string; on_hand: string; reserved: string }>(
    `SELECT warehouse, bin, on_hand, reserved FROM ${s}.inventory_bin_stock WHERE sku = $1 ORDER BY warehouse COLLATE "C", bin COLLATE "C"`,
    [sku],
  );
  return rows.map((r) => ({ warehouse: r.warehouse, bin: r.bin, onHand: Number(r.on_hand), reserved: Number(r.reserved), available: Number(r.on_hand) - Number(r.reserved) }));
}

/** Rows of (SKU, warehouse) in SKU order → one total per SKU; warehouses with nothing at all left out. */
function summarise(rows: readonly StockRow[]): SkuStock[] {
  const bySku = new Map<string, { backOrdered: number; warehouses: WarehouseStock[] }>();
  for (const r of rows) {
    const entry = bySku.get(r.sku) ?? { backOrdered: Number(r.sku_back_ordered ?? 0), warehouses: [] };
    bySku.set(r.sku, entry);
    if (r.warehouse === null) continue;
    const onHand = Number(r.on_hand);
    const reserved = Number(r.reserved);
    const inTransit = Number(r.in_transit);
    entry.backOrdered += Number(r.back_ordered);
    if (onHand !== 0 || reserved !== 0 || inTransit !== 0) entry.warehouses.push({ warehouse: r.warehouse, onHand, reserved, available: onHand - reserved, inTransit });
  }
  return [...bySku.entries()].map(([sku, { backOrdered, warehouses }]) => {
    const onHand = warehouses.reduce((n, w) => n + w.onHand, 0);
    const reserved = warehouses.reduce((n, w) => n + w.reserved, 0);
    const inTransit = warehouses.reduce((n, w) => n + w.inTransit, 0);
    return { sku, onHand, reserved, available: onHand - reserved, inTransit, backOrdered, warehouses };
  });
}
