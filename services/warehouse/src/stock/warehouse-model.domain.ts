/**
 * The warehouse stream's vocabulary: commands, events, state, and how events fold into state.
 * One stream per warehouse (`warehouse-<code>`) holds all of its physical stock, so every stock
 * invariant is decided under that one stream's expected version.
 */
import { emptyKeyed, keyedGet, keyedSet, type KeyedRecord } from './key-set.domain';
export const DOCK = 'DOCK';
export const STAGING = 'STAGING';
export const CODE_PATTERN = /^[A-Z0-9]+(-[A-Z0-9]+)*$/;

export type BinKind = 'storage' | 'dock' | 'staging';

export interface Bin {
  readonly code: string;
  readonly kind: BinKind;
  readonly zone?: string;
  /** Units the bin holds at most, across all SKUs; no capacity means no limit. */
  readonly capacity?: number;
}

export interface BinQuantity {
  readonly bin: string;
  readonly quantity: number;
}

interface OrderLine {
  readonly orderId: string;
  readonly lineId: string;
}

export type WarehouseCommand =
  | { readonly type: 'CreateWarehouse'; readonly code: string; readonly name: string }
  | { readonly type: 'AddBin'; readonly code: string; readonly zone?: string; readonly capacity?: number }
  | { readonly type: 'ReceiveStock'; readonly receiptId: string; readonly sku: string; readonly quantity: number; readonly bin?: string; readonly expectedReceiptId?: string }
  | { readonly type: 'PutAway'; readonly sku: string; readonly quantity: number; readonly fromBin: string; readonly toBin?: string }
  | { readonly type: 'MoveStock'; readonly sku: string; readonly quantity: number; readonly fromBin: string; readonly toBin: string }
  | { readonly type: 'CountBin'; readonly countId: string; readonly bin: string; readonly sku: string; readonly countedQuantity: number; readonly reason: string }
  | ({ readonly type: 'AllocateStock'; readonly sku: string; readonly quantity: number } & OrderLine)
  | ({ readonly type: 'ReleaseAllocation' } & OrderLine)
  | ({ readonly type: 'ConfirmPick'; readonly bin: string; readonly sku: string; readonly quantity: number; readonly pickedQuantity?: number } & OrderLine)
  /** `quantity`: ship only that many of the line's staged units (a transfer sends what it booked); default all of them. */
  | ({ readonly type: 'DispatchStock'; readonly shipmentId: string; readonly quantity?: number } & OrderLine);

export type CommandOf<Type extends WarehouseCommand['type']> = Extract<WarehouseCommand, { readonly type: Type }>;

type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };
type LineData = OrderLine & { readonly sku: string };

export type WarehouseEvent =
  | Event<'warehouse.WarehouseCreated', { readonly code: string; readonly name: string; readonly bins: readonly Bin[] }>
  | Event<'warehouse.BinAdded', Bin>
  | Event<'warehouse.StockReceived', { readonly receiptId: string; readonly sku: string; readonly bin: string; readonly quantity: number; readonly expectedReceiptId?: string }>
  | Event<'warehouse.StockPutAway', { readonly sku: string; readonly fromBin: string; readonly toBin: string; readonly quantity: number; readonly suggested: boolean }>
  | Event<'warehouse.StockMoved', { readonly sku: string; readonly fromBin: string; readonly toBin: string; readonly quantity: number }>
  | Event<'warehouse.BinCounted', { readonly countId: string; readonly bin: string; readonly sku: string; readonly countedQuantity: number; readonly previousQuantity: number; readonly reason: string }>
  | Event<'warehouse.StockAdjusted', { readonly countId: string; readonly bin: string; readonly sku: string; readonly delta: number; readonly reason: string }>
  | Event<'warehouse.StockAllocated', LineData & { readonly requested: number; readonly allocations: readonly BinQuantity[]; readonly shortQuantity: number }>
  /** Units a line held in `fromBin` now held in other bins (a count found `fromBin` short). */
  | Event<'warehouse.StockReallocated', LineData & { readonly fromBin: string; readonly quantity: number; readonly reallocations: readonly BinQuantity[] }>
  /** Units a line held in `bin` that no other bin could cover: the order service back-orders them. */
  | Event<'warehouse.AllocationShorted', LineData & { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.AllocationReleased', LineData & { readonly allocations: readonly BinQuantity[]; readonly stagedQuantity: number }>
  | Event<'warehouse.StockPicked', LineData & { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.PickShorted', LineData & { readonly bin: string; readonly shortQuantity: number; readonly reallocations: readonly BinQuantity[]; readonly unfilledQuantity: number }>
  | Event<'warehouse.StockDispatched', LineData & { readonly quantity: number; readonly shipmentId: string }>;

export type EventOf<Type extends WarehouseEvent['type']> = Extract<WarehouseEvent, { readonly type: Type }>;

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const eventTypes: Record<WarehouseEvent['type'], true> = {
  'warehouse.WarehouseCreated': true,
  'warehouse.BinAdded': true,
  'warehouse.StockReceived': true,
  'warehouse.StockPutAway': true,
  'warehouse.StockMoved': true,
  'warehouse.BinCounted': true,
  'warehouse.StockAdjusted': true,
  'warehouse.StockAllocated': true,
  'warehouse.StockReallocated': true,
  'warehouse.AllocationShorted': true,
  'warehouse.AllocationReleased': true,
  'warehouse.StockPicked': true,
  'warehouse.PickShorted': true,
  'warehouse.StockDispatched': true,
};
export const WAREHOUSE_EVENT_TYPES = Object.keys(eventTypes) as readonly WarehouseEvent['type'][];

export interface BinStock {
  readonly onHand: number;
  readonly allocated: number;
}

export interface LineAllocation extends LineData {
  readonly requested: number;
  /** Units held for the line per bin: the bins still to pick from, and STAGING for units picked and not yet dispatched. */
  readonly bins: Readonly<Record<string, number>>;
  readonly shipments: readonly string[];
  /** Allocation order: a count that finds units missing takes them from the newest allocation first. */
  readonly sequence: number;
}

export interface Warehouse {
  readonly exists: true;
  readonly code: string;
  readonly name: string;
  readonly bins: Readonly<Record<string, Bin>>;
  /** bin → SKU → quantities; a SKU with nothing on hand and nothing allocated in a bin has no entry. */
  readonly stock: Readonly<Record<string, Readonly<Record<string, BinStock>>>>;
  /**
   * Every order line ever allocated here (by lineKey); a line that holds no units any more is settled. Keyed
   * buckets, not a flat record: a flat one, copied twice per allocation, made each order cost the warehouse
   * time in proportion to every order before it (a tenth of the embedded platform's CPU after 1,500 orders).
   */
  readonly lines: KeyedRecord<LineAllocation>;
  /** Lines allocated so far: the next line's `sequence`. */
  readonly lineCount: number;
  /** Bins a short pick put on hold until they are counted: nothing is allocated from them meanwhile. */
  readonly binsToCount: readonly string[];
  /** Receipt lines (receiptId + SKU) and counts already booked, so that a retried command books nothing twice. */
  readonly receipts: KeyedRecord<BinQuantity>;
  readonly counts: KeyedRecord<true>;
}

export type WarehouseState = { readonly exists: false } | Warehouse;

export const initialWarehouseState: WarehouseState = { exists: false };

export function warehouseStreamId(code: string): string {
  return `warehouse-${code}`;
}

export const lineKey = (orderId: string, lineId: string): string => JSON.stringify([orderId, lineId]);
export const receiptKey = (receiptId: string, sku: string): string => JSON.stringify([receiptId, sku]);

/** Reads a key that came from a request: never a prototype property such as `constructor`. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

const NO_STOCK: BinStock = { onHand: 0, allocated: 0 };

export const binStock = (w: Warehouse, bin: string, sku: string): BinStock => own(own(w.stock, bin) ?? {}, sku) ?? NO_STOCK;

/** Units of the SKU in the bin that no order line holds: the only units that may be moved or allocated. */
export function freeIn(w: Warehouse, bin: string, sku: string): number {
  const { onHand, allocated } = binStock(w, bin, sku);
  return onHand - allocated;
}

export const unitsIn = (w: Warehouse, bin: string): number => Object.values(own(w.stock, bin) ?? {}).reduce((sum, s) => sum + s.onHand, 0);

export function roomIn(w: Warehouse, bin: string): number {
  const capacity = own(w.bins, bin)?.capacity;
  return capacity === undefined ? Infinity : capacity - unitsIn(w, bin);
}

export const heldBy = (line: LineAllocation, bin: string): number => own(line.bins, bin) ?? 0;

export const totalOf = (quantities: readonly BinQuantity[]): number => quantities.reduce((sum, q) => sum + q.quantity, 0);

/** Code-point order, not locale order: the same history decides the same bins on every machine. */
export const compareCodes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function evolveWarehouse(state: WarehouseState, event: WarehouseEvent): WarehouseState {
  if (event.type === 'warehouse.WarehouseCreated') return created(event.data);
  return state.exists ? applyEvent(state, event) : state;
}

export function applyEvent(w: Warehouse, event: WarehouseEvent): Warehouse {
  switch (event.type) {
    case 'warehouse.WarehouseCreated':
      return created(event.data);
    case 'warehouse.BinAdded':
      return { ...w, bins: { ...w.bins, [event.data.code]: event.data } };
    case 'warehouse.StockReceived': {
      const { receiptId, sku, bin, quantity } = event.data;
      const received = changeStock(w, bin, sku, { onHand: quantity });
      return { ...received, receipts: keyedSet(w.receipts, receiptKey(receiptId, sku), { bin, quantity }) };
    }
    case 'warehouse.StockPutAway':
    case 'warehouse.StockMoved': {
      const { sku, fromBin, toBin, quantity } = event.data;
      return changeStock(changeStock(w, fromBin, sku, { onHand: -quantity }), toBin, sku, { onHand: quantity });
    }
    case 'warehouse.BinCounted':
      return { ...w, counts: keyedSet(w.counts, event.data.countId, true as const), binsToCount: w.binsToCount.filter((b) => b !== event.data.bin) };
    case 'warehouse.StockAdjusted':
      return changeStock(w, event.data.bin, event.data.sku, { onHand: event.data.delta });
    case 'warehouse.StockAllocated': {
      const { orderId, lineId, sku, requested, allocations } = event.data;
      const line: LineAllocation = { orderId, lineId, sku, requested, bins: {}, shipments: [], sequence: w.lineCount };
      const withLine = { ...w, lines: keyedSet(w.lines, lineKey(orderId, lineId), line), lineCount: w.lineCount + 1 };
      return allocations.reduce((s, a) => hold(s, line, a.bin, a.quantity), withLine);
    }
    case 'warehouse.StockReallocated': {
      const { fromBin, reallocations } = event.data;
      const released = hold(w, event.data, fromBin, -totalOf(reallocations));
      return reallocations.reduce((s, a) => hold(s, event.data, a.bin, a.quantity), released);
    }
    case 'warehouse.AllocationShorted':
      return hold(w, event.data, event.data.bin, -event.data.quantity);
    case 'warehouse.AllocationReleased': {
      const released = event.data.allocations.reduce((s, a) => hold(s, event.data, a.bin, -a.quantity), w);
      return hold(released, event.data, STAGING, -event.data.stagedQuantity);
    }
    case 'warehouse.StockPicked': {
      const { sku, bin, quantity } = event.data;
      const picked = changeStock(hold(w, event.data, bin, -quantity), bin, sku, { onHand: -quantity });
      return hold(changeStock(picked, STAGING, sku, { onHand: quantity }), event.data, STAGING, quantity);
    }
    case 'warehouse.PickShorted': {
      const { bin, shortQuantity, reallocations } = event.data;
      const released = hold(w, event.data, bin, -shortQuantity);
      const reallocated = reallocations.reduce((s, a) => hold(s, event.data, a.bin, a.quantity), released);
      return { ...reallocated, binsToCount: w.binsToCount.includes(bin) ? w.binsToCount : [...w.binsToCount, bin].sort(compareCodes) };
    }
    case 'warehouse.StockDispatched': {
      const { orderId, lineId, sku, quantity, shipmentId } = event.data;
      const dispatched = changeStock(hold(w, event.data, STAGING, -quantity), STAGING, sku, { onHand: -quantity });
      const line = keyedGet(dispatched.lines, lineKey(orderId, lineId))!;
      return { ...dispatched, lines: keyedSet(dispatched.lines, lineKey(orderId, lineId), { ...line, shipments: [...line.shipments, shipmentId] }) };
    }
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

export const applyEvents = (w: Warehouse, events: readonly WarehouseEvent[]): Warehouse => events.reduce(applyEvent, w);

function created({ code, name, bins }: EventOf<'warehouse.WarehouseCreated'>['data']): Warehouse {
  return { exists: true, code, name, bins: Object.fromEntries(bins.map((b) => [b.code, b])), stock: {}, lines: emptyKeyed, lineCount: 0, binsToCount: [], receipts: emptyKeyed, counts: emptyKeyed };
}

function changeStock(w: Warehouse, bin: string, sku: string, change: Partial<BinStock>): Warehouse {
  const current = binStock(w, bin, sku);
  const next = { onHand: current.onHand + (change.onHand ?? 0), allocated: current.allocated + (change.allocated ?? 0) };
  const { [sku]: _previous, ...otherSkus } = own(w.stock, bin) ?? {};
  const skus = next.onHand === 0 && next.allocated === 0 ? otherSkus : { ...otherSkus, [sku]: next };
  const { [bin]: _bin, ...otherBins } = w.stock;
  return { ...w, stock: Object.keys(skus).length === 0 ? otherBins : { ...otherBins, [bin]: skus } };
}

/** Changes how many units of a bin an order line holds (negative: gives them back). */
function hold(w: Warehouse, ref: OrderLine, bin: string, quantity: number): Warehouse {
  if (quantity === 0) return w;
  const key = lineKey(ref.orderId, ref.lineId);
  const line = keyedGet(w.lines, key)!;
  const held = heldBy(line, bin) + quantity;
  const { [bin]: _previous, ...otherBins } = line.bins;
  const bins = held === 0 ? otherBins : { ...otherBins, [bin]: held };
  return changeStock({ ...w, lines: keyedSet(w.lines, key, { ...line, bins }) }, bin, line.sku, { allocated: quantity });
}
