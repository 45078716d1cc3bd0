import { PUBLIC_EVENT_TYPES, type OrderStatusChangedV1, type ShipmentChangedV1, type StockLevelChangedV1 } from '@bintrail/contracts';

/**
 * Which domain events change what the integration topics carry, and how the platform's read models
 * become integration messages. The gateway reads the domain events only to learn *that* something
 * changed and *as of which position*; the figures always come from the platform's HTTP read models,
 * so the integration contract does not follow the internal events' shapes.
 */

/** Warehouse events that move on-hand or reserved units (the inventory's stock read model reads the same). */
const STOCK_EVENTS = [
  'warehouse.StockReceived',
  'warehouse.StockPutAway',
  'warehouse.StockMoved',
  'warehouse.StockAdjusted',
  'warehouse.StockAllocated',
  'warehouse.StockReallocated',
  'warehouse.AllocationShorted',
  'warehouse.AllocationReleased',
  'warehouse.StockPicked',
  'warehouse.PickShorted',
  'warehouse.StockDispatched',
] as const;
/** Order events that move back-ordered units. */
const BACK_ORDER_EVENTS = ['order.LineBackOrdered', 'order.AllocationRequested', 'order.OrderCancelled'] as const;
/** Shipping events that move units in transit to a warehouse. */
const IN_TRANSIT_EVENTS = [
  'shipping.ExpectedReceiptRegistered',
  'shipping.ExpectedReceiptReceived',
  'shipping.ExpectedReceiptClosed',
  'shipping.TransferDispatched',
  'shipping.TransferReceived',
] as const;
/** Every event of an order stream can change its status: all of the contract's `order.*` types, so a new one is followed too. */
const ORDER_EVENTS = PUBLIC_EVENT_TYPES.filter((type) => type.startsWith('order.'));
const SHIPMENT_EVENTS = ['shipping.ShipmentDispatched', 'shipping.ShipmentDelivered'] as const;

const STOCK_TYPES = new Set<string>([...STOCK_EVENTS, ...BACK_ORDER_EVENTS, ...IN_TRANSIT_EVENTS]);
const ORDER_TYPES = new Set<string>(ORDER_EVENTS);
const SHIPMENT_TYPES = new Set<string>(SHIPMENT_EVENTS);

/** The domain event types the gateway subscribes to. */
export const OUTBOUND_EVENT_TYPES: readonly string[] = [...new Set([...STOCK_TYPES, ...ORDER_TYPES, ...SHIPMENT_TYPES])];

/** Something an integration topic reports on, to be read again from the platform. */
export type Subject =
  /** `warehouse` undefined: every warehouse of the SKU (back-orders belong to no warehouse). */
  | { readonly kind: 'stock'; readonly sku: string; readonly warehouse: string | undefined }
  | { readonly kind: 'order'; readonly orderId: string }
  | { readonly kind: 'shipment'; readonly shipmentId: string };

/** The part of a domain event the gateway looks at. */
export interface ChangeEvent {
  readonly type: string;
  readonly streamId: string;
  readonly data: unknown;
}

type Data = Record<string, unknown>;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const list = (value: unknown): Data[] => (Array.isArray(value) ? (value.filter((v) => v !== null && typeof v === 'object') as Data[]) : []);

/** What an event changed, as subjects to read again; none for events the integration topics do not follow. */
export function subjectsOf(event: ChangeEvent): Subject[] {
  const data = (event.data !== null && typeof event.data === 'object' ? event.data : {}) as Data;
  const subjects: Subject[] = [];
  if (STOCK_TYPES.has(event.type)) {
    const skus = new Set<string>();
    for (const sku of [data.sku, ...list(data.lines).map((l) => l.sku), ...list(data.shortages).map((l) => l.sku), ...list(data.backOrdersCancelled).map((l) => l.sku)]) {
      if (text(sku)) skus.add(sku as string);
    }
    // A warehouse stream is `warehouse-<code>`; in-transit events name the receiving warehouse; order events none.
    const warehouse = event.streamId.startsWith('warehouse-') ? event.streamId.slice('warehouse-'.length) : (text(data.toWarehouse) ?? text(data.warehouse));
    const allWarehouses = event.type.startsWith('order.');
    for (const sku of skus) subjects.push({ kind: 'stock', sku, warehouse: allWarehouses ? undefined : warehouse });
  }
  if (ORDER_TYPES.has(event.type) && event.streamId.startsWith('order-')) subjects.push({ kind: 'order', orderId: event.streamId.slice('order-'.length) });
  if (SHIPMENT_TYPES.has(event.type) && text(data.shipmentId)) subjects.push({ kind: 'shipment', shipmentId: data.shipmentId as string });
  return subjects;
}

/** GET /inventory/:sku as the gateway reads it. */
export interface SkuStockView {
  readonly sku: string;
  readonly backOrdered: number;
  readonly warehouses: readonly { readonly warehouse: string; readonly onHand: number; readonly reserved: number; readonly available: number; readonly inTransit: number }[];
}

/** One stock-level message per warehouse of the SKU (only `warehouse` when given; zeros when it holds none yet). */
export function stockLevels(view: SkuStockView, warehouse: string | undefined, asOfPosition: number): StockLevelChangedV1[] {
  const rows = warehouse === undefined ? view.warehouses : [view.warehouses.find((w) => w.warehouse === warehouse) ?? { warehouse, onHand: 0, reserved: 0, available: 0, inTransit: 0 }];
  return rows.map((w) => ({
    sku: view.sku,
    warehouse: w.warehouse,
    onHand: w.onHand,
    reserved: w.reserved,
    available: w.available,
    inTransit: w.inTransit,
    backOrdered: view.backOrdered,
    asOfPosition,
  }));
}

/** GET /orders/:id as the gateway reads it. */
export interface OrderView {
  readonly orderId: string;
  readonly status: OrderStatusChangedV1['status'];
  readonly customerRef?: string;
}

export function orderStatusMessage(view: OrderView, asOfPosition: number): OrderStatusChangedV1 {
  return { orderId: view.orderId, status: view.status, ...(view.customerRef === undefined ? {} : { customerRef: view.customerRef }), asOfPosition };
}

/** GET /shipments/:id as the gateway reads it. */
export interface ShipmentView {
  readonly shipmentId: string;
  readonly orderId: string;
  readonly warehouse: string;
  readonly status: string;
  readonly lines: readonly { readonly sku: string; readonly quantity: number }[];
  readonly dispatch?: { readonly carrier: string; readonly trackingNumber: string; readonly dispatchedAt: string };
  readonly deliveredAt?: string;
}

/** A shipment message once it is dispatched (an opened shipment is not reported: it has no carrier yet). */
export function shipmentMessage(view: ShipmentView, asOfPosition: number): ShipmentChangedV1 | undefined {
  if (!view.dispatch) return undefined;
  const delivered = view.deliveredAt !== undefined;
  return {
    shipmentId: view.shipmentId,
    orderId: view.orderId,
    warehouse: view.warehouse,
    status: delivered ? 'delivered' : 'dispatched',
    carrier: view.dispatch.carrier,
    trackingNumber: view.dispatch.trackingNumber,
    dispatchedAt: view.dispatch.dispatchedAt,
    ...(delivered ? { deliveredAt: view.deliveredAt } : {}),
    lines: view.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    asOfPosition,
  };
}

/** What identifies a message's subject for "has it changed since last published": the Kafka key is not enough for stock (one SKU, many warehouses). */
export function subjectKey(topicKind: 'stock' | 'order' | 'shipment', message: StockLevelChangedV1 | OrderStatusChangedV1 | ShipmentChangedV1): string {
  if (topicKind === 'stock') return `${(message as StockLevelChangedV1).sku}@${(message as StockLevelChangedV1).warehouse}`;
  if (topicKind === 'order') return (message as OrderStatusChangedV1).orderId;
  return (message as ShipmentChangedV1).shipmentId;
}

/** A message's content without its position: two messages with the same content report no change. */
export function contentOf(message: { readonly asOfPosition: number }): string {
  const { asOfPosition: _position, ...content } = message;
  // The messages are built field by field in a fixed order (above), so their JSON is comparable as is.
  return JSON.stringify(content);
}
