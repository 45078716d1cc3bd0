import { Type } from '@sinclair/typebox';
import { data, Text, Timestamp, Units, UnitsOrNone, type DataByType } from './common';

/**
 * Events of the shipping service (topic `bintrail.shipping.events`): outbound shipments
 * (`shipment-<id>`), expected receipts / ASNs (`asn-<id>`) and transfers between warehouses (`transfer-<id>`).
 */
const ShipmentRef = { shipmentId: Text(), orderId: Text(), warehouse: Text() };
const ShipmentLine = Type.Object(
  { lineId: Text('the line id the warehouse staged the units under, e.g. L1#1'), sku: Text(), quantity: Units() },
  { additionalProperties: false },
);
const AsnRef = { asnId: Text(), warehouse: Text() };
const ReceiptRef = { ...AsnRef, sku: Text(), receiptId: Text() };
const ExpectedLine = Type.Object({ sku: Text(), quantity: Units() }, { additionalProperties: false });
const TransferRef = { transferId: Text(), sku: Text(), fromWarehouse: Text(), toWarehouse: Text() };
const TransferAllocation = Type.Object(
  { orderId: Text(), lineId: Text() },
  { additionalProperties: false, description: 'the order line the source warehouse allocates, picks and dispatches the transfer under' },
);

export const ShipmentOpenedV1 = data({ ...ShipmentRef, lines: Type.Array(ShipmentLine) }, "A shipment was opened for an order's picked lines.");
export const ShipmentDispatchedV1 = data(
  { ...ShipmentRef, carrier: Type.String(), trackingNumber: Type.String(), dispatchedAt: Timestamp(), lines: Type.Array(ShipmentLine) },
  'The shipment left with a carrier.',
);
export const ShipmentDeliveredV1 = data({ ...ShipmentRef, deliveredAt: Timestamp() }, 'The shipment was delivered.');

export const ExpectedReceiptRegisteredV1 = data({ ...AsnRef, eta: Timestamp(), lines: Type.Array(ExpectedLine) }, 'Units are in route to a warehouse (ASN).');
export const ExpectedReceiptReceivedV1 = data(
  { ...ReceiptRef, quantity: UnitsOrNone('units that came off in transit'), remainingInTransit: UnitsOrNone() },
  'A receipt booked against the ASN took units off in transit.',
);
export const ReceiptDiscrepancyV1 = data(
  { ...ReceiptRef, expected: UnitsOrNone(), received: UnitsOrNone(), excess: Units() },
  'A receipt brought more than the ASN still expected.',
);
export const ExpectedReceiptClosedV1 = data({ ...AsnRef, closedAt: Timestamp(), shortages: Type.Array(ExpectedLine) }, 'The ASN was closed; what never came is released.');

export const TransferRequestedV1 = data({ ...TransferRef, quantity: Units(), allocation: TransferAllocation }, 'A transfer between two warehouses was requested.');
export const TransferPickedV1 = data(
  { ...TransferRef, quantity: Units(), pickId: Text(), picked: Units('all units picked for the transfer so far') },
  'The source warehouse picked units of the transfer.',
);
export const TransferDispatchedV1 = data(
  {
    ...TransferRef,
    carrier: Type.Optional(Type.String()),
    trackingNumber: Type.Optional(Type.String()),
    quantity: UnitsOrNone('units now in transit'),
    unpicked: UnitsOrNone('units of the request never picked; their allocation is released'),
    dispatchedAt: Timestamp(),
    allocation: TransferAllocation,
  },
  'The transfer left the source warehouse.',
);
export const TransferReceivedV1 = data(
  { ...TransferRef, quantity: UnitsOrNone('units put on hand at the destination dock'), dispatched: UnitsOrNone(), receiptId: Text() },
  'The transfer arrived: the transit is over.',
);
export const TransferDiscrepancyV1 = data(
  { ...TransferRef, dispatched: UnitsOrNone(), received: UnitsOrNone(), difference: Type.Integer({ description: 'received − dispatched' }), receiptId: Text() },
  'A transfer arrived with a different quantity than dispatched.',
);

export const SHIPPING_EVENT_SCHEMAS = {
  'shipping.ShipmentOpened': { 1: ShipmentOpenedV1 },
  'shipping.ShipmentDispatched': { 1: ShipmentDispatchedV1 },
  'shipping.ShipmentDelivered': { 1: ShipmentDeliveredV1 },
  'shipping.ExpectedReceiptRegistered': { 1: ExpectedReceiptRegisteredV1 },
  'shipping.ExpectedReceiptReceived': { 1: ExpectedReceiptReceivedV1 },
  'shipping.ReceiptDiscrepancy': { 1: ReceiptDiscrepancyV1 },
  'shipping.ExpectedReceiptClosed': { 1: ExpectedReceiptClosedV1 },
  'shipping.TransferRequested': { 1: TransferRequestedV1 },
  'shipping.TransferPicked': { 1: TransferPickedV1 },
  'shipping.TransferDispatched': { 1: TransferDispatchedV1 },
  'shipping.TransferReceived': { 1: TransferReceivedV1 },
  'shipping.TransferDiscrepancy': { 1: TransferDiscrepancyV1 },
} as const;

/** The data of each shipping event at version 1, by type. */
export type ShippingEventData = DataByType<typeof SHIPPING_EVENT_SCHEMAS, 1>;
