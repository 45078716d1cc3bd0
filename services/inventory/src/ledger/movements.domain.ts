/**
 * The stock ledger's reading of events: which bin movements of on-hand an event makes, and how it moves
 * the figures kept per (warehouse, SKU) rather than per bin (reserved, in transit) or per SKU (back-ordered).
 * The arithmetic is the inventory totals' own (stockChanges, inTransitChanges, backOrderChanges), so the
 * ledger and the live read model can never disagree about what an event did. Pure.
 */
import { backOrderChanges, ORDER_BACK_ORDER_EVENT_TYPES, type OrderBackOrderEvent } from '../stock/back-orders.domain';
import { IN_TRANSIT_EVENT_TYPES, inTransitChanges, type InTransitEvent } from '../stock/in-transit.domain';
import { stockChanges, WAREHOUSE_STOCK_EVENT_TYPES, warehouseOfStream, type WarehouseStockEvent } from '../stock/stock-changes.domain';

export type LedgerEvent = WarehouseStockEvent | InTransitEvent | OrderBackOrderEvent;
/** What the ledger needs of a recorded event: the warehouse's events name their warehouse only in the stream id. */
export type LedgerInput = LedgerEvent & { readonly streamId: string };

export const LEDGER_EVENT_TYPES: readonly LedgerEvent['type'][] = [...WAREHOUSE_STOCK_EVENT_TYPES, ...IN_TRANSIT_EVENT_TYPES, ...ORDER_BACK_ORDER_EVENT_TYPES];

/** Why units entered (`-in`) or left (`-out`) a bin; a receipt only adds, a dispatch only takes, an adjustment either. */
export type MovementKind = 'receipt' | 'putaway-out' | 'putaway-in' | 'move-out' | 'move-in' | 'pick-out' | 'pick-in' | 'dispatch' | 'adjustment';

/** Units of one SKU entering (+) or leaving (−) one bin. */
export interface Movement {
  readonly warehouse: string;
  readonly bin: string;
  readonly sku: string;
  readonly delta: number;
  readonly kind: MovementKind;
}

/** Figures that are not in any bin: reserved and in transit per warehouse, back-ordered per SKU (warehouse ''). */
export type Figure = 'reserved' | 'inTransit' | 'backOrdered';

export interface FigureChange {
  readonly warehouse: string;
  readonly sku: string;
  readonly figure: Figure;
  readonly delta: number;
}

/** Back-orders belong to no warehouse: their rows carry this in place of one. */
export const NO_WAREHOUSE = '';

const isWarehouseEvent = (event: LedgerInput): event is WarehouseStockEvent & { readonly streamId: string } => event.type.startsWith('warehouse.');

/** The bin movements of on-hand the event makes: one per (bin, SKU), none of zero (a reservation moves no unit). */
export function movementsOf(event: LedgerInput): Movement[] {
  if (!isWarehouseEvent(event)) return [];
  const warehouse = warehouseOfStream(event.streamId);
  return stockChanges(event)
    .filter((c) => c.onHand !== 0)
    .map((c) => ({ warehouse, bin: c.bin, sku: c.sku, delta: c.onHand, kind: kindOf(event.type, c.onHand) }));
}

function kindOf(type: WarehouseStockEvent['type'], delta: number): MovementKind {
  const direction = delta > 0 ? 'in' : 'out';
  switch (type) {
    case 'warehouse.StockReceived':
      return 'receipt';
    case 'warehouse.StockPutAway':
      return `putaway-${direction}`;
    case 'warehouse.StockMoved':
      return `move-${direction}`;
    case 'warehouse.StockPicked':
      return `pick-${direction}`;
    case 'warehouse.StockDispatched':
      return 'dispatch';
    case 'warehouse.StockAdjusted':
      return 'adjustment';
    case 'warehouse.StockAllocated':
    case 'warehouse.StockReallocated':
    case 'warehouse.AllocationShorted':
    case 'warehouse.AllocationReleased':
    case 'warehouse.PickShorted':
      // These only hold or free units; stockChanges gives them no on-hand change, so no movement reaches here.
      throw new Error(`${type} moves no units`);
    default: {
      const unhandled: never = type;
      return unhandled;
    }
  }
}

/** How the event moves reserved, in-transit and back-ordered units: one change per (warehouse, SKU, figure), none of zero. */
export function figureChangesOf(event: LedgerInput): FigureChange[] {
  const changes: FigureChange[] = [];
  if (isWarehouseEvent(event)) {
    const warehouse = warehouseOfStream(event.streamId);
    for (const c of stockChanges(event)) changes.push({ warehouse, sku: c.sku, figure: 'reserved', delta: c.reserved });
  } else if (event.type.startsWith('shipping.')) {
    for (const c of inTransitChanges(event as InTransitEvent)) changes.push({ warehouse: c.warehouse, sku: c.sku, figure: 'inTransit', delta: c.delta });
  } else {
    for (const c of backOrderChanges(event as OrderBackOrderEvent)) changes.push({ warehouse: NO_WAREHOUSE, sku: c.sku, figure: 'backOrdered', delta: c.delta });
  }
  const merged = new Map<string, FigureChange>();
  for (const c of changes) {
    const key = JSON.stringify([c.warehouse, c.sku, c.figure]);
    const before = merged.get(key);
    merged.set(key, before ? { ...c, delta: before.delta + c.delta } : c);
  }
  return [...merged.values()].filter((c) => c.delta !== 0);
}

/** A point in the past: a global log position, or a time (resolved to the last position at or before it). */
export type AsOf = { readonly position: number } | { readonly time: Date };

export const AS_OF_ERROR = 'asOf must be a global log position (a non-negative integer) or an ISO 8601 time such as 2026-03-01T12:00:00Z';

/** Reads `?asOf=` (or a ledger's `from`/`to`): undefined when absent, null when it is neither a position nor an ISO time. */
export function parseAsOf(raw: unknown): AsOf | undefined | null {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') return null;
  if (/^\d{1,15}$/.test(raw)) return { position: Number(raw) };
  // A date, optionally with a time and a zone: Date.parse alone would also take '1' or 'March 1'.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) return null;
  const time = new Date(raw);
  return Number.isNaN(time.getTime()) ? null : { time };
}
