import type { RecordedEvent } from '@bintrail/contracts';
import type { WarehouseEvent } from '../stock/warehouse.domain';
import { warehouseOfStream } from '../bins/bin-changes.domain';
import { pickListChange, type PickListChange } from './pick-list-changes.domain';

/**
 * The pick-lists projection's batch path, pure: a batch's events folded in log order over the rows they
 * touch, with the same quantities, positions and refusals as `apply` event by event (pick-lists.projection.ts),
 * so that a live batch reads its rows once and writes each touched row once. Which rows: `pickListKeysOf`;
 * the fold: `foldPickListsBatch`.
 */
export interface PickLineRow {
  readonly warehouse: string;
  readonly orderId: string;
  readonly lineId: string;
  /** As first allocated: a later allocation of the same line leaves them. */
  readonly sku: string;
  readonly requested: number;
  readonly staged: number;
  readonly position: number;
}

export interface PickBinRow {
  readonly warehouse: string;
  readonly orderId: string;
  readonly lineId: string;
  readonly bin: string;
  readonly quantity: number;
}

/** What one event books, as `apply` reads it. */
export interface PickListBooking {
  readonly warehouse: string;
  readonly position: number;
  readonly change: PickListChange;
}

/** Undefined for an event that books nothing on a pick list. */
export function pickListBookingOf(recorded: RecordedEvent): PickListBooking | undefined {
  const change = pickListChange(recorded as unknown as WarehouseEvent);
  return change && { warehouse: warehouseOfStream(recorded.streamId), position: recorded.globalPosition, change };
}

/** Map keys of the two tables (codes never hold NUL). */
export const pickLineKey = (warehouse: string, orderId: string, lineId: string): string => `${warehouse}\0${orderId}\0${lineId}`;
export const pickBinKey = (warehouse: string, orderId: string, lineId: string, bin: string): string => `${warehouse}\0${orderId}\0${lineId}\0${bin}`;

export interface PickListKeys {
  readonly lines: readonly (readonly [warehouse: string, orderId: string, lineId: string])[];
  readonly bins: readonly (readonly [warehouse: string, orderId: string, lineId: string, bin: string])[];
}

/** The rows the bookings may touch, each once: what the batch reads before it folds. */
export function pickListKeysOf(bookings: readonly PickListBooking[]): PickListKeys {
  const lines = new Map<string, readonly [string, string, string]>();
  const bins = new Map<string, readonly [string, string, string, string]>();
  for (const { warehouse, change } of bookings) {
    lines.set(pickLineKey(warehouse, change.orderId, change.lineId), [warehouse, change.orderId, change.lineId]);
    for (const { bin } of change.toPick) bins.set(pickBinKey(warehouse, change.orderId, change.lineId, bin), [warehouse, change.orderId, change.lineId, bin]);
  }
  return { lines: [...lines.values()], bins: [...bins.values()] };
}

/** Rows by key. Before a fold: the rows found; after: only the rows it changed, a bin row emptied (and removed) as undefined. */
export interface PickListRows {
  readonly lines: ReadonlyMap<string, PickLineRow>;
  readonly bins: ReadonlyMap<string, PickBinRow | undefined>;
}

/** Folds the bookings over the rows as they were before the batch; throws what `apply` would throw for the first event it would refuse. */
export function foldPickListsBatch(bookings: readonly PickListBooking[], before: PickListRows): PickListRows {
  const lines = new Map<string, PickLineRow>();
  const bins = new Map<string, PickBinRow | undefined>();
  for (const { warehouse, position, change } of bookings) {
    const { orderId, lineId } = change;
    const lineKey = pickLineKey(warehouse, orderId, lineId);
    const was =
      lines.get(lineKey) ??
      before.lines.get(lineKey) ??
      (change.requested === undefined ? undefined : { warehouse, orderId, lineId, sku: change.sku, requested: change.requested, staged: 0, position });
    // A line never allocated here has no row to move (apply's UPDATE finds none), but its bins are booked all the same.
    if (was) lines.set(lineKey, { ...was, staged: was.staged + change.staged, position });
    for (const { bin, quantity } of change.toPick) {
      const key = pickBinKey(warehouse, orderId, lineId, bin);
      const binWas = bins.has(key) ? bins.get(key) : before.bins.get(key);
      const left = (binWas?.quantity ?? 0) + quantity;
      if (left < 0) throw new Error(`order ${orderId} line ${lineId} would have ${left} units to pick in bin ${bin} of ${warehouse}`);
      bins.set(key, left === 0 ? undefined : { warehouse, orderId, lineId, bin, quantity: left });
    }
  }
  // A bin row that came and went within the batch was never there.
  for (const [key, row] of bins) if (row === undefined && before.bins.get(key) === undefined) bins.delete(key);
  return { lines, bins };
}
