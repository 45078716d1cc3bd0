import type { RecordedEvent } from '@bintrail/contracts';
import type { Bin, BinKind, WarehouseEvent } from '../stock/warehouse.domain';
import { binChanges, warehouseOfStream, type BinChange } from './bin-changes.domain';

/**
 * The bin-stock projection's batch path, pure: a batch's events folded in log order over the rows they touch,
 * with the same arithmetic, positions and refusals as `apply` event by event (bin-stock.projection.ts), so
 * that a rebuild writes each touched row once per batch. Which rows: `binStockKeysOf`; the fold: `foldBinStockBatch`.
 */
export interface BinRow {
  readonly warehouse: string;
  readonly bin: string;
  readonly kind: BinKind;
  readonly zone: string | null;
  readonly capacity: number | null;
  readonly waitingForCount: boolean;
}

export interface BinStockRow {
  readonly warehouse: string;
  readonly bin: string;
  readonly sku: string;
  readonly onHand: number;
  readonly allocated: number;
  readonly position: number;
}

/** What one event books, as `apply` dispatches it: bins added, a bin's waiting-for-count flag, quantities. */
export interface BinStockBooking {
  readonly position: number;
  readonly warehouse: string;
  readonly added: readonly Bin[];
  readonly waitingForCount?: { readonly bin: string; readonly waiting: boolean };
  readonly changes: readonly BinChange[];
}

export function binStockBookingOf(recorded: RecordedEvent): BinStockBooking {
  const event = recorded as unknown as WarehouseEvent;
  const booking = { position: recorded.globalPosition, warehouse: warehouseOfStream(recorded.streamId), added: [] as readonly Bin[], changes: binChanges(event) };
  switch (event.type) {
    case 'warehouse.WarehouseCreated':
      return { ...booking, added: event.data.bins };
    case 'warehouse.BinAdded':
      return { ...booking, added: [event.data] };
    case 'warehouse.PickShorted':
      return { ...booking, waitingForCount: { bin: event.data.bin, waiting: true } };
    case 'warehouse.BinCounted':
      return { ...booking, waitingForCount: { bin: event.data.bin, waiting: false } };
    default:
      return booking;
  }
}

/** Map keys of the two tables (codes never hold NUL). */
export const binKey = (warehouse: string, bin: string): string => `${warehouse}\0${bin}`;
export const binStockKey = (warehouse: string, bin: string, sku: string): string => `${warehouse}\0${bin}\0${sku}`;

export interface BinStockKeys {
  readonly bins: readonly (readonly [warehouse: string, bin: string])[];
  readonly stock: readonly (readonly [warehouse: string, bin: string, sku: string])[];
}

/** The rows the bookings may touch, each once: what the batch reads before it folds. */
export function binStockKeysOf(bookings: readonly BinStockBooking[]): BinStockKeys {
  const bins = new Map<string, readonly [string, string]>();
  const stock = new Map<string, readonly [string, string, string]>();
  for (const b of bookings) {
    for (const bin of b.added) bins.set(binKey(b.warehouse, bin.code), [b.warehouse, bin.code]);
    if (b.waitingForCount) bins.set(binKey(b.warehouse, b.waitingForCount.bin), [b.warehouse, b.waitingForCount.bin]);
    for (const c of b.changes) stock.set(binStockKey(b.warehouse, c.bin, c.sku), [b.warehouse, c.bin, c.sku]);
  }
  return { bins: [...bins.values()], stock: [...stock.values()] };
}

/** Rows by key (binKey, binStockKey). Before a fold: the rows found; after: only the rows it changed, a stock row emptied (and removed) as undefined. */
export interface BinStockRows {
  readonly bins: ReadonlyMap<string, BinRow>;
  readonly stock: ReadonlyMap<string, BinStockRow | undefined>;
}

/** Folds the bookings over the rows as they were before the batch; throws what `apply` would throw for the first event it would refuse. */
export function foldBinStockBatch(bookings: readonly BinStockBooking[], before: BinStockRows): BinStockRows {
  const bins = new Map<string, BinRow>();
  const stock = new Map<string, BinStockRow | undefined>();
  for (const b of bookings) {
    for (const bin of b.added) {
      const key = binKey(b.warehouse, bin.code);
      // A bin added again keeps what it was first added with.
      if (bins.has(key) || before.bins.has(key)) continue;
      bins.set(key, { warehouse: b.warehouse, bin: bin.code, kind: bin.kind, zone: bin.zone ?? null, capacity: bin.capacity ?? null, waitingForCount: false });
    }
    if (b.waitingForCount) {
      const key = binKey(b.warehouse, b.waitingForCount.bin);
      const was = bins.get(key) ?? before.bins.get(key);
      // An unknown bin has no flag to set (apply's UPDATE finds no row).
      if (was) bins.set(key, { ...was, waitingForCount: b.waitingForCount.waiting });
    }
    for (const c of b.changes) {
      const key = binStockKey(b.warehouse, c.bin, c.sku);
      const was = stock.has(key) ? stock.get(key) : before.stock.get(key);
      const onHand = (was?.onHand ?? 0) + c.onHand;
      const allocated = (was?.allocated ?? 0) + c.allocated;
      if (onHand < 0 || allocated < 0 || allocated > onHand) throw new Error(`bin ${c.bin} of ${b.warehouse} would hold ${onHand} units of ${c.sku}, ${allocated} allocated`);
      stock.set(key, onHand === 0 && allocated === 0 ? undefined : { warehouse: b.warehouse, bin: c.bin, sku: c.sku, onHand, allocated, position: b.position });
    }
  }
  // A stock row that came and went within the batch was never there.
  for (const [key, row] of stock) if (row === undefined && before.stock.get(key) === undefined) stock.delete(key);
  return { bins, stock };
}
