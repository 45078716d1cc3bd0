import { Type } from '@sinclair/typebox';
import { BinQuantity, data, Text, Timestamp, Units, UnitsOrNone, type DataByType } from './common';

/**
 * Events of the order service (topic `bintrail.order.events`, one stream per order, `order-<orderId>`):
 * sales orders, their allocation across warehouses, back-orders, picking, dispatch and delivery.
 */

/** One request to one warehouse for units of one line; `allocationLineId` is the line id the warehouse knows it by. */
const AttemptRef = {
  orderId: Text(),
  lineId: Text(),
  sku: Text(),
  attempt: Units('1-based number of the request for this line'),
  allocationLineId: Text('the line id the warehouse allocates under, e.g. L1#1'),
  warehouse: Text(),
};

const OrderLine = Type.Object({ lineId: Text(), sku: Text(), quantity: Units() }, { additionalProperties: false });
const AllocationHeld = Type.Object(
  { lineId: Text(), sku: Text(), allocationLineId: Text(), warehouse: Text(), quantity: UnitsOrNone() },
  { additionalProperties: false },
);
const BackOrderReason = Type.Union([Type.Literal('every warehouse short'), Type.Literal('still short after retry'), Type.Literal('allocation lost')]);

export const OrderPlacedV1 = data(
  { orderId: Text(), placedAt: Timestamp(), warehouses: Type.Array(Text(), { description: 'warehouses to allocate from, in order of preference' }), lines: Type.Array(OrderLine), customerRef: Type.Optional(Type.String()) },
  'A sales order was placed.',
);
export const AllocationRequestedV1 = data(
  { ...AttemptRef, quantity: Units(), retry: Type.Boolean({ description: 'true when a back-order is retried' }), requestId: Type.Optional(Text()) },
  'The order asked a warehouse to allocate units of a line.',
);
const allocationAnswer = { ...AttemptRef, quantity: Units(), bins: Type.Array(BinQuantity), shortQuantity: UnitsOrNone() };
export const LineAllocatedV1 = data(allocationAnswer, 'A warehouse allocated units of a line.');
export const BackOrderFilledV1 = data(allocationAnswer, 'A retried back-order got units allocated.');
export const NothingAllocatedV1 = data({ ...AttemptRef, shortQuantity: Units() }, 'A warehouse had nothing for the request.');
export const LineBackOrderedV1 = data(
  { orderId: Text(), lineId: Text(), sku: Text(), placedAt: Timestamp(), quantity: Units(), reason: BackOrderReason },
  'Units of a line wait for stock (back-order).',
);
export const AllocationLostV1 = data(
  { ...AttemptRef, quantity: Units(), staged: Type.Boolean(), shortfallId: Text() },
  'A warehouse could not keep units it had allocated to the line.',
);
export const LinePickedV1 = data({ ...AttemptRef, quantity: Units(), pickId: Text() }, 'Units of a line were picked.');
export const LineDispatchedV1 = data({ ...AttemptRef, quantity: Units(), shipmentId: Text() }, 'Units of a line were dispatched.');
export const OrderReadyToPickV1 = data({ orderId: Text(), allocations: Type.Array(AllocationHeld) }, 'Every line is allocated: the order can be picked.');
export const PicksCompletedV1 = data({ orderId: Text() }, 'Every allocated unit of the order is picked.');
export const OrderShippedV1 = data({ orderId: Text(), shipments: Type.Array(Text()) }, 'The order left in these shipments.');
export const DeliveryReportedV1 = data({ orderId: Text(), deliveredAt: Timestamp() }, 'The carrier delivered before the order booked its dispatch.');
export const OrderDeliveredV1 = data({ orderId: Text(), deliveredAt: Timestamp() }, 'The order was delivered.');
export const OrderCancelledV1 = data(
  {
    orderId: Text(),
    reason: Type.String(),
    cancelledAt: Timestamp(),
    releases: Type.Array(AllocationHeld),
    backOrdersCancelled: Type.Array(Type.Object({ lineId: Text(), sku: Text(), quantity: Units() }, { additionalProperties: false })),
  },
  'The order was cancelled; what it held is given back.',
);
export const LateAllocationReleasedV1 = data(
  { ...AttemptRef, quantity: UnitsOrNone(), requested: Units() },
  'A warehouse answered after the order was cancelled: what it allocated (maybe 0) goes straight back.',
);

export const ORDER_EVENT_SCHEMAS = {
  'order.OrderPlaced': { 1: OrderPlacedV1 },
  'order.AllocationRequested': { 1: AllocationRequestedV1 },
  'order.LineAllocated': { 1: LineAllocatedV1 },
  'order.BackOrderFilled': { 1: BackOrderFilledV1 },
  'order.NothingAllocated': { 1: NothingAllocatedV1 },
  'order.LineBackOrdered': { 1: LineBackOrderedV1 },
  'order.AllocationLost': { 1: AllocationLostV1 },
  'order.LinePicked': { 1: LinePickedV1 },
  'order.LineDispatched': { 1: LineDispatchedV1 },
  'order.OrderReadyToPick': { 1: OrderReadyToPickV1 },
  'order.PicksCompleted': { 1: PicksCompletedV1 },
  'order.OrderShipped': { 1: OrderShippedV1 },
  'order.DeliveryReported': { 1: DeliveryReportedV1 },
  'order.OrderDelivered': { 1: OrderDeliveredV1 },
  'order.OrderCancelled': { 1: OrderCancelledV1 },
  'order.LateAllocationReleased': { 1: LateAllocationReleasedV1 },
} as const;

/** The data of each order event at version 1, by type. */
export type OrderEventData = DataByType<typeof ORDER_EVENT_SCHEMAS, 1>;
