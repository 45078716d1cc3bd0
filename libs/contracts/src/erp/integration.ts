import { Type, type Static } from '@sinclair/typebox';

/**
 * The outbound integration messages (v1). Stable: internal domain events may change, these do not
 * without a new topic version. Each carries `asOfPosition`, the global log position its figures are
 * as of: a consumer keeps, per key, the message with the highest asOfPosition and ignores older ones.
 */

const asOfPosition = Type.Integer({ minimum: 0, description: 'Global log position these figures are as of; keep the highest per key' });
const units = (description: string) => Type.Integer({ description });

export const StockLevelChangedV1 = Type.Object(
  {
    sku: Type.String(),
    warehouse: Type.String(),
    onHand: units('Units in the warehouse'),
    reserved: units('Units held for orders and transfers'),
    available: units('onHand − reserved'),
    inTransit: units('Units on their way to this warehouse (ASNs, transfers)'),
    backOrdered: units("The SKU's back-ordered units, company-wide (back-orders belong to no warehouse): the same in every warehouse's message"),
    asOfPosition,
  },
  { additionalProperties: false, $id: 'https://bintrail.dev/schemas/integration/StockLevelChanged.v1.json' },
);

export const ORDER_STATUSES = ['placed', 'allocating', 'back-ordered', 'allocated', 'picking', 'ready to ship', 'shipped', 'delivered', 'cancelled'] as const;

export const OrderStatusChangedV1 = Type.Object(
  {
    orderId: Type.String(),
    status: Type.Unsafe<(typeof ORDER_STATUSES)[number]>({ type: 'string', enum: [...ORDER_STATUSES] }),
    customerRef: Type.Optional(Type.String({ description: 'As given in PlaceSalesOrder' })),
    asOfPosition,
  },
  { additionalProperties: false, $id: 'https://bintrail.dev/schemas/integration/OrderStatusChanged.v1.json' },
);

export const ShipmentChangedV1 = Type.Object(
  {
    shipmentId: Type.String(),
    orderId: Type.String(),
    warehouse: Type.String(),
    status: Type.Union([Type.Literal('dispatched'), Type.Literal('delivered')]),
    carrier: Type.String(),
    trackingNumber: Type.String(),
    dispatchedAt: Type.String({ format: 'date-time' }),
    deliveredAt: Type.Optional(Type.String({ description: 'When the carrier delivered it (ISO 8601), once delivered' })),
    lines: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })),
    asOfPosition,
  },
  { additionalProperties: false, $id: 'https://bintrail.dev/schemas/integration/ShipmentChanged.v1.json' },
);

export type StockLevelChangedV1 = Static<typeof StockLevelChangedV1>;
export type OrderStatusChangedV1 = Static<typeof OrderStatusChangedV1>;
export type ShipmentChangedV1 = Static<typeof ShipmentChangedV1>;
