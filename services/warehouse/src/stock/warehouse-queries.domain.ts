import { toPick } from './allocation.domain';
import { keyedGet } from './key-set.domain';
import {
  compareCodes,
  heldBy,
  lineKey,
  own,
  STAGING,
  type BinKind,
  type BinQuantity,
  type WarehouseState,
} from './warehouse-model.domain';

/** Questions about one warehouse's stock, answered from its state (read models answer the same from events). */

export interface SkuStock {
  readonly sku: string;
  readonly onHand: number;
  /** Held for order lines (the inventory's "reserved"), picked-but-not-dispatched units included. */
  readonly allocated: number;
  /** onHand − allocated. */
  readonly available: number;
  /** Part of `available` that allocation does not use yet: units in bins waiting for a count, and released units left in STAGING. */
  readonly onHold: number;
}

export interface BinLine {
  readonly sku: string;
  readonly onHand: number;
  readonly allocated: number;
  readonly available: number;
}

export interface BinContents {
  readonly bin: string;
  readonly kind: BinKind;
  readonly zone?: string;
  readonly capacity?: number;
  readonly units: number;
  readonly waitingForCount: boolean;
  readonly skus: readonly BinLine[];
}

export interface PickList {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
  readonly requested: number;
  /** Bins and quantities still to pick, by bin code. */
  readonly toPick: readonly BinQuantity[];
  /** Picked, in STAGING, not yet dispatched. */
  readonly staged: number;
}

/** On hand, allocated and available per SKU, by SKU. */
export function stockBySku(state: WarehouseState): SkuStock[] {
  if (!state.exists) return [];
  const totals = new Map<string, { onHand: number; allocated: number; onHold: number }>();
  for (const [bin, skus] of Object.entries(state.stock)) {
    const held = bin === STAGING || state.binsToCount.includes(bin);
    for (const [sku, { onHand, allocated }] of Object.entries(skus)) {
      const total = totals.get(sku) ?? { onHand: 0, allocated: 0, onHold: 0 };
      totals.set(sku, { onHand: total.onHand + onHand, allocated: total.allocated + allocated, onHold: total.onHold + (held ? onHand - allocated : 0) });
    }
  }
  return [...totals.entries()]
    .sort(([a], [b]) => compareCodes(a, b))
    .map(([sku, { onHand, allocated, onHold }]) => ({ sku, onHand, allocated, available: onHand - allocated, onHold }));
}

export function stockOfSku(state: WarehouseState, sku: string): SkuStock {
  return stockBySku(state).find((s) => s.sku === sku) ?? { sku, onHand: 0, allocated: 0, available: 0, onHold: 0 };
}

export function binContents(state: WarehouseState, bin: string): BinContents | undefined {
  const found = state.exists ? own(state.bins, bin) : undefined;
  if (!state.exists || !found) return undefined;
  const skus = Object.entries(own(state.stock, bin) ?? {})
    .map(([sku, { onHand, allocated }]) => ({ sku, onHand, allocated, available: onHand - allocated }))
    .sort((a, b) => compareCodes(a.sku, b.sku));
  return {
    bin,
    kind: found.kind,
    ...(found.zone === undefined ? {} : { zone: found.zone }),
    ...(found.capacity === undefined ? {} : { capacity: found.capacity }),
    units: skus.reduce((sum, s) => sum + s.onHand, 0),
    waitingForCount: state.binsToCount.includes(bin),
    skus,
  };
}

/** The bins that hold the SKU, by bin code. */
export function binsHoldingSku(state: WarehouseState, sku: string): (BinLine & { readonly bin: string })[] {
  if (!state.exists) return [];
  return Object.entries(state.stock)
    .flatMap(([bin, skus]) => {
      const stock = own(skus, sku);
      return stock ? [{ bin, sku, onHand: stock.onHand, allocated: stock.allocated, available: stock.onHand - stock.allocated }] : [];
    })
    .sort((a, b) => compareCodes(a.bin, b.bin));
}

export function pickList(state: WarehouseState, orderId: string, lineId: string): PickList | undefined {
  const line = state.exists ? keyedGet(state.lines, lineKey(orderId, lineId)) : undefined;
  if (!line) return undefined;
  return { orderId, lineId, sku: line.sku, requested: line.requested, toPick: toPick(line), staged: heldBy(line, STAGING) };
}

export function binsWaitingForCount(state: WarehouseState): readonly string[] {
  return state.exists ? state.binsToCount : [];
}
