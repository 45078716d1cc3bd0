import { specify } from '../decider.test-helper';
import { shipmentDecider, type ShipmentCommand, type ShipmentEvent } from './shipment.domain';

export const given = specify(shipmentDecider);

const ref = { shipmentId: 'SH1', orderId: 'O1', warehouse: 'WH1' };
const lines = [
  { lineId: 'L1#1', sku: 'S1', quantity: 5 },
  { lineId: 'L2#1', sku: 'S2', quantity: 2 },
];
export const DISPATCHED_AT = '2026-03-02T15:00:00.000Z';
export const DELIVERED_AT = '2026-03-04T10:30:00.000Z';

export const openShipment = { type: 'OpenShipment', ...ref, lines } as const satisfies ShipmentCommand;
export const dispatchShipment = { type: 'DispatchShipment', shipmentId: 'SH1', carrier: 'DHL', trackingNumber: 'JD0001', dispatchedAt: DISPATCHED_AT } as const satisfies ShipmentCommand;
export const deliverShipment = { type: 'DeliverShipment', shipmentId: 'SH1', deliveredAt: DELIVERED_AT } as const satisfies ShipmentCommand;

export const shipmentOpened: ShipmentEvent = { type: 'shipping.ShipmentOpened', data: { ...ref, lines } };
export const shipmentDispatched: ShipmentEvent = {
  type: 'shipping.ShipmentDispatched',
  data: { ...ref, carrier: 'DHL', trackingNumber: 'JD0001', dispatchedAt: DISPATCHED_AT, lines },
};
export const shipmentDelivered: ShipmentEvent = { type: 'shipping.ShipmentDelivered', data: { ...ref, deliveredAt: DELIVERED_AT } };
