/**
 * Replenishment for one SKU in one warehouse: its reorder point, the stock it watches, and the suggestion
 * it makes when the stock that can be picked without a move drops below that point. Stream per pair:
 * `replenishment-<warehouse>-<sku>` holds the reorder points set and the suggestions made.
 */
import { evolveSkuBins, isReserveBin, stockLevels, type SkuBins, type StockLevels, type WarehouseLayout, type WarehouseStockEvent } from './warehouse-stock.domain';

export const REPLENISHMENT_CATEGORY = 'replenishment';

export interface ReorderPoint {
  /** Below this many pick-face units, replenish. */
  readonly reorderPoint: number;
  /** How many units to bring: bought when no reserve stock is left, at most this many moved from one reserve bin. */
  readonly reorderQuantity: number;
}

export type Suggestion =
  /** `toBin` null: no pick-face bin holds the SKU yet, the operator picks one (or the putaway suggestion does). */
  | { readonly kind: 'move'; readonly fromBin: string; readonly toBin: string | null; readonly quantity: number }
  | { readonly kind: 'purchase'; readonly quantity: number };

interface Where {
  readonly warehouse: string;
  readonly sku: string;
}
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Where & Data };

export type ReplenishmentEvent =
  | Event<'replenishment.ReorderPointSet', ReorderPoint>
  | Event<'replenishment.ReplenishmentSuggested', Suggestion & { readonly reorderPoint: number; readonly levels: StockLevels }>
  /** The stock that can be picked is back at or above the reorder point: the open suggestion is done with. */
  | Event<'replenishment.ReplenishmentClosed', { readonly kind: Suggestion['kind']; readonly reorderPoint: number; readonly levels: StockLevels }>;

export type ReplenishmentEventType = ReplenishmentEvent['type'];

export function replenishmentStreamId(warehouse: string, sku: string): string {
  return `replenishment-${warehouse}-${sku}`;
}

export interface ReplenishmentState {
  readonly bins: SkuBins;
  readonly reorderPoint: ReorderPoint | null;
  /** The suggestion made and not closed yet: while it is open, no other of its kind is made. */
  readonly open: Suggestion | null;
}

export const initialReplenishmentState: ReplenishmentState = { bins: {}, reorderPoint: null, open: null };

export function evolve(state: ReplenishmentState, event: ReplenishmentEvent | WarehouseStockEvent): ReplenishmentState {
  switch (event.type) {
    case 'replenishment.ReorderPointSet':
      return { ...state, reorderPoint: { reorderPoint: event.data.reorderPoint, reorderQuantity: event.data.reorderQuantity } };
    case 'replenishment.ReplenishmentSuggested': {
      const { warehouse: _w, sku: _s, reorderPoint: _p, levels: _l, ...suggestion } = event.data;
      return { ...state, open: suggestion };
    }
    case 'replenishment.ReplenishmentClosed':
      return { ...state, open: null };
    default:
      return { ...state, bins: evolveSkuBins(state.bins, event) };
  }
}

/**
 * What the current stock calls for (pure; run after every change of stock, layout or reorder point):
 * - pick-face available below the reorder point, nothing open → a move from the reserve bin with the most
 *   free units when reserve bins hold any, else a purchase of the reorder quantity;
 * - an open move while the reserve has run dry and the pick face is still short → a purchase replaces it;
 * - back at or above the point with a suggestion open → it closes;
 * - otherwise nothing, so one shortage makes one suggestion, not one per stock event.
 */
export function decide(where: Where, state: ReplenishmentState, layout: WarehouseLayout): ReplenishmentEvent[] {
  if (!state.reorderPoint) return [];
  const { reorderPoint, reorderQuantity } = state.reorderPoint;
  const levels = stockLevels(state.bins, layout);
  if (levels.pickFaceAvailable >= reorderPoint) {
    return state.open ? [{ type: 'replenishment.ReplenishmentClosed', data: { ...where, kind: state.open.kind, reorderPoint, levels } }] : [];
  }
  const wanted = suggestion(state.bins, layout, reorderQuantity);
  const stale = state.open?.kind === 'move' && wanted.kind === 'purchase';
  if (state.open && !stale) return [];
  return [{ type: 'replenishment.ReplenishmentSuggested', data: { ...where, ...wanted, reorderPoint, levels } }];
}

function suggestion(bins: SkuBins, layout: WarehouseLayout, reorderQuantity: number): Suggestion {
  const free = (bin: string): number => bins[bin]!.onHand - bins[bin]!.allocated;
  const byMostFree = (a: string, b: string): number => free(b) - free(a) || compareCodes(a, b);
  const [fromBin] = Object.keys(bins)
    .filter((bin) => isReserveBin(layout, bin) && free(bin) > 0)
    .sort(byMostFree);
  if (fromBin === undefined) return { kind: 'purchase', quantity: reorderQuantity };
  // The pick face to fill: the storage bin outside the reserve that already holds the most of the SKU.
  const [toBin] = Object.keys(bins)
    .filter((bin) => layout[bin]?.kind === 'storage' && !isReserveBin(layout, bin))
    .sort((a, b) => bins[b]!.onHand - bins[a]!.onHand || compareCodes(a, b));
  return { kind: 'move', fromBin, toBin: toBin ?? null, quantity: Math.min(free(fromBin), reorderQuantity) };
}

/** Code-point order, not locale order: the same history suggests the same bins on every machine. */
const compareCodes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A request to set a reorder point that breaks a rule; `field` names the request field. */
export class InvalidReorderPoint extends Error {
  readonly code = 'InvalidReorderPoint';
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field} ${rule}`);
    this.name = 'InvalidReorderPoint';
  }
}

/** Warehouse codes as the warehouse service makes them; SKUs as the item master accepts them. */
export const WAREHOUSE_CODE_PATTERN = /^[A-Z0-9]+(-[A-Z0-9]+)*$/;
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_QUANTITY = 1_000_000_000;

/** Checks a reorder point request and returns the event that records it. */
export function setReorderPoint(request: { readonly warehouse: unknown; readonly sku: unknown; readonly reorderPoint: unknown; readonly reorderQuantity: unknown }): Extract<ReplenishmentEvent, { type: 'replenishment.ReorderPointSet' }> {
  const { warehouse, sku, reorderPoint, reorderQuantity } = request;
  if (typeof warehouse !== 'string' || !WAREHOUSE_CODE_PATTERN.test(warehouse)) throw new InvalidReorderPoint('warehouse', 'must be a warehouse code: capital letters and digits, dash-separated');
  if (typeof sku !== 'string' || !SKU_PATTERN.test(sku)) throw new InvalidReorderPoint('sku', 'must be 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit');
  if (!isWhole(reorderPoint, 0)) throw new InvalidReorderPoint('reorderPoint', `must be an integer from 0 to ${MAX_QUANTITY}`);
  if (!isWhole(reorderQuantity, 1)) throw new InvalidReorderPoint('reorderQuantity', `must be an integer from 1 to ${MAX_QUANTITY}`);
  return { type: 'replenishment.ReorderPointSet', data: { warehouse, sku, reorderPoint, reorderQuantity } };
}

const isWhole = (value: unknown, min: number): value is number => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_QUANTITY;
