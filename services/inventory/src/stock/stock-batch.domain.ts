import type { RecordedEvent } from '@bintrail/contracts';
import { backOrderChanges, type OrderBackOrderEvent } from './back-orders.domain';
import { inTransitChanges, type InTransitChange, type InTransitEvent } from './in-transit.domain';
import { stockChanges, warehouseOfStream, type StockChange, type WarehouseStockEvent } from './stock-changes.domain';

/**
 * The stock projection's batch path, pure: a batch's events folded in log order over the rows they touch, with
 * the same arithmetic, positions and refusals as `apply` event by event (stock.projection.ts), so that a
 * rebuild writes each touched row once per batch. Which rows: `stockKeysOf`; the fold: `foldStockBatch`.
 */
export interface TotalsRow {
  readonly sku: string;
  readonly warehouse: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly inTransit: number;
  readonly backOrdered: number;
  readonly position: number;
}

export interface BinRow {
  readonly sku: string;
  readonly warehouse: string;
  readonly bin: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly position: number;
}

export interface BackOrderRow {
  readonly sku: string;
  readonly quantity: number;
  readonly position: number;
}

/** What one event books, as `apply` dispatches it. */
export type StockBooking =
  | { readonly kind: 'stock'; readonly position: number; readonly warehouse: string; readonly changes: readonly StockChange[] }
  | { readonly kind: 'in-transit'; readonly position: number; readonly changes: readonly InTransitChange[] }
  | { readonly kind: 'back-orders'; readonly position: number; readonly changes: readonly { readonly sku: string; readonly delta: number }[] };

export function stockBookingOf(recorded: RecordedEvent): StockBooking {
  const position = recorded.globalPosition;
  if (recorded.type.startsWith('order.')) return { kind: 'back-orders', position, changes: backOrderChanges(recorded as unknown as OrderBackOrderEvent) };
  if (recorded.type.startsWith('shipping.')) return { kind: 'in-transit', position, changes: inTransitChanges(recorded as unknown as InTransitEvent) };
  return { kind: 'stock', position, warehouse: warehouseOfStream(recorded.streamId), changes: stockChanges(recorded as unknown as WarehouseStockEvent) };
}

/** Map keys of the three tables (codes never hold NUL). */
export const totalsKey = (sku: string, warehouse: string): string => `${sku}\0${warehouse}`;
export const binKey = (sku: string, warehouse: string, bin: string): string => `${sku}\0${warehouse}\0${bin}`;

export interface StockKeys {
  readonly totals: readonly (readonly [sku: string, warehouse: string])[];
  readonly bins: readonly (readonly [sku: string, warehouse: string, bin: string])[];
  readonly backOrders: readonly string[];
}

/** The rows the bookings may touch, each once: what the batch reads before it folds. */
export function stockKeysOf(bookings: readonly StockBooking[]): StockKeys {
  const totals = new Map<string, readonly [string, string]>();
  const bins = new Map<string, readonly [string, string, string]>();
  const backOrders = new Set<string>();
  for (const b of bookings) {
    if (b.kind === 'back-orders') for (const c of b.changes) backOrders.add(c.sku);
    else if (b.kind === 'in-transit') for (const c of b.changes) totals.set(totalsKey(c.sku, c.warehouse), [c.sku, c.warehouse]);
    else
      for (const c of b.changes) {
        totals.set(totalsKey(c.sku, b.warehouse), [c.sku, b.warehouse]);
        bins.set(binKey(c.sku, b.warehouse, c.bin), [c.sku, b.warehouse, c.bin]);
      }
  }
  return { totals: [...totals.values()], bins: [...bins.values()], backOrders: [...backOrders] };
}

/** Rows by key (totalsKey, binKey, SKU). Before a fold: the rows found; after: only the rows it changed, a bin row emptied (and removed) as undefined. */
export interface StockRows {
  readonly totals: ReadonlyMap<string, TotalsRow>;
  readonly bins: ReadonlyMap<string, BinRow | undefined>;
  readonly backOrders: ReadonlyMap<string, BackOrderRow>;
}

/** Folds the bookings over the rows as they were before the batch; throws what `apply` would throw for the first event it would refuse. */
export function foldStockBatch(bookings: readonly StockBooking[], before: StockRows): StockRows {
  const totals = new Map<string, TotalsRow>();
  const bins = new Map<string, BinRow | undefined>();
  const backOrders = new Map<string, BackOrderRow>();
  const totalsRow = (sku: string, warehouse: string): TotalsRow => {
    const key = totalsKey(sku, warehouse);
    return totals.get(key) ?? before.totals.get(key) ?? { sku, warehouse, onHand: 0, reserved: 0, inTransit: 0, backOrdered: 0, position: 0 };
  };
  for (const b of bookings) {
    if (b.kind === 'back-orders') {
      for (const { sku, delta } of b.changes) {
        const was = backOrders.get(sku) ?? before.backOrders.get(sku);
        const quantity = (was?.quantity ?? 0) + delta;
        backOrders.set(sku, { sku, quantity, position: b.position });
        if (quantity < 0) throw new Error(`${sku} would have ${quantity} units back-ordered`);
      }
    } else if (b.kind === 'in-transit') {
      for (const { sku, warehouse, delta } of b.changes) {
        if (delta === 0) continue;
        const row = totalsRow(sku, warehouse);
        const inTransit = row.inTransit + delta;
        totals.set(totalsKey(sku, warehouse), { ...row, inTransit, position: b.position });
        if (inTransit < 0) throw new Error(`${sku} in ${warehouse} would have ${inTransit} units in transit`);
      }
    } else {
      if (b.changes.length === 0) continue;
      const sku = b.changes[0]!.sku;
      const onHand = b.changes.reduce((n, c) => n + c.onHand, 0);
      const reserved = b.changes.reduce((n, c) => n + c.reserved, 0);
      if (onHand !== 0 || reserved !== 0) {
        const row = totalsRow(sku, b.warehouse);
        const after = { ...row, onHand: row.onHand + onHand, reserved: row.reserved + reserved, position: b.position };
        totals.set(totalsKey(sku, b.warehouse), after);
        requireSane(after.onHand, after.reserved, `${sku} in ${b.warehouse}`);
      }
      for (const c of b.changes) {
        const key = binKey(sku, b.warehouse, c.bin);
        const was = bins.has(key) ? bins.get(key) : before.bins.get(key);
        const after = { sku, warehouse: b.warehouse, bin: c.bin, onHand: (was?.onHand ?? 0) + c.onHand, reserved: (was?.reserved ?? 0) + c.reserved, position: b.position };
        requireSane(after.onHand, after.reserved, `${sku} in bin ${c.bin} of ${b.warehouse}`);
        bins.set(key, after.onHand === 0 && after.reserved === 0 ? undefined : after);
      }
    }
  }
  // A bin row that came and went within the batch was never there.
  for (const [key, row] of bins) if (row === undefined && before.bins.get(key) === undefined) bins.delete(key);
  return { totals, bins, backOrders };
}

/** As `apply` refuses it: below zero, or more reserved than on hand. */
function requireSane(onHand: number, reserved: number, where: string): void {
  if (onHand < 0 || reserved < 0 || reserved > onHand) throw new Error(`${where} would be ${onHand} on hand, ${reserved} reserved`);
}
