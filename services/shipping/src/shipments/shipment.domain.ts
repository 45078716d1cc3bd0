import {
  AlreadyExists,
  requirePositive,
  requireSome,
  requireText,
  requireUnique,
  sameContent,
  ShippingStreamNotFound,
  WrongStatus,
} from '../shipping-errors.domain';

/**
 * An outbound shipment as one stream (`shipment-<shipmentId>`): opened when an order's picks are
 * complete, dispatched with a carrier, delivered. The warehouse reacts to ShipmentDispatched by taking
 * the lines' staged units off its on-hand, so the event names the warehouse, the order and the lines.
 * Once dispatched the units are the customer's: they are not company stock "in transit".
 */
export interface ShipmentLine {
  /** The line id the warehouse allocated and staged the units under (the order's attempt line id, `L1#1`). */
  readonly lineId: string;
  readonly sku: string;
  readonly quantity: number;
}

export type ShipmentCommand =
  | { readonly type: 'OpenShipment'; readonly shipmentId: string; readonly orderId: string; readonly warehouse: string; readonly lines: readonly ShipmentLine[] }
  | { readonly type: 'DispatchShipment'; readonly shipmentId: string; readonly carrier: string; readonly trackingNumber: string; readonly dispatchedAt: string }
  | { readonly type: 'DeliverShipment'; readonly shipmentId: string; readonly deliveredAt: string };

type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };
type ShipmentRef = { readonly shipmentId: string; readonly orderId: string; readonly warehouse: string };

export type ShipmentEvent =
  | Event<'shipping.ShipmentOpened', ShipmentRef & { readonly lines: readonly ShipmentLine[] }>
  | Event<'shipping.ShipmentDispatched', ShipmentRef & { readonly carrier: string; readonly trackingNumber: string; readonly dispatchedAt: string; readonly lines: readonly ShipmentLine[] }>
  | Event<'shipping.ShipmentDelivered', ShipmentRef & { readonly deliveredAt: string }>;

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const eventTypes: Record<ShipmentEvent['type'], true> = {
  'shipping.ShipmentOpened': true,
  'shipping.ShipmentDispatched': true,
  'shipping.ShipmentDelivered': true,
};
export const SHIPMENT_EVENT_TYPES = Object.keys(eventTypes) as readonly ShipmentEvent['type'][];

export type ShipmentStatus = 'opened' | 'dispatched' | 'delivered';

export interface Shipment extends ShipmentRef {
  readonly exists: true;
  readonly status: ShipmentStatus;
  readonly lines: readonly ShipmentLine[];
  readonly dispatch?: { readonly carrier: string; readonly trackingNumber: string; readonly dispatchedAt: string };
  readonly deliveredAt?: string;
}

export type ShipmentState = { readonly exists: false } | Shipment;

export const initialShipmentState: ShipmentState = { exists: false };

export const shipmentStreamId = (shipmentId: string): string => `shipment-${shipmentId}`;

export function decideShipment(command: ShipmentCommand, state: ShipmentState): ShipmentEvent[] {
  if (command.type === 'OpenShipment') return openShipment(command, state);
  if (!state.exists) throw new ShippingStreamNotFound('shipment', command.shipmentId);
  switch (command.type) {
    case 'DispatchShipment':
      return dispatchShipment(command, state);
    case 'DeliverShipment':
      return deliverShipment(command, state);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

export function evolveShipment(state: ShipmentState, event: ShipmentEvent): ShipmentState {
  switch (event.type) {
    case 'shipping.ShipmentOpened': {
      const { shipmentId, orderId, warehouse, lines } = event.data;
      return { exists: true, shipmentId, orderId, warehouse, lines, status: 'opened' };
    }
    case 'shipping.ShipmentDispatched': {
      if (!state.exists) return state;
      const { carrier, trackingNumber, dispatchedAt } = event.data;
      return { ...state, status: 'dispatched', dispatch: { carrier, trackingNumber, dispatchedAt } };
    }
    case 'shipping.ShipmentDelivered':
      return state.exists ? { ...state, status: 'delivered', deliveredAt: event.data.deliveredAt } : state;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** The shape `handleCommand` of @bintrail/service-kit runs. */
export const shipmentDecider = { decide: decideShipment, evolve: evolveShipment, initialState: initialShipmentState };

type CommandOf<Type extends ShipmentCommand['type']> = Extract<ShipmentCommand, { readonly type: Type }>;

/** Opening the same shipment again (a redelivered PicksCompleted) changes nothing; the same id with other content is refused. */
function openShipment(command: CommandOf<'OpenShipment'>, state: ShipmentState): ShipmentEvent[] {
  const { shipmentId, orderId, warehouse } = command;
  const lines = command.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
  const data = { shipmentId, orderId, warehouse, lines };
  if (state.exists) {
    if (sameContent({ shipmentId: state.shipmentId, orderId: state.orderId, warehouse: state.warehouse, lines: state.lines }, data)) return [];
    throw new AlreadyExists('shipment', shipmentId);
  }
  requireText('shipmentId', shipmentId);
  requireText('orderId', orderId);
  requireText('warehouse', warehouse);
  requireSome('lines', lines);
  requireUnique('lines[].lineId', lines.map((l) => l.lineId));
  lines.forEach((line, i) => {
    requireText(`lines[${i}].lineId`, line.lineId);
    requireText(`lines[${i}].sku`, line.sku);
    requirePositive(`lines[${i}].quantity`, line.quantity);
  });
  return [{ type: 'shipping.ShipmentOpened', data }];
}

/** A retried dispatch (same carrier, tracking number and time) changes nothing; any other second dispatch is refused. */
function dispatchShipment(command: CommandOf<'DispatchShipment'>, s: Shipment): ShipmentEvent[] {
  const { carrier, trackingNumber, dispatchedAt } = command;
  if (s.dispatch !== undefined) {
    if (sameContent(s.dispatch, { carrier, trackingNumber, dispatchedAt })) return [];
    throw new WrongStatus('shipment', s.shipmentId, s.status, `dispatched already (${s.dispatch.carrier} ${s.dispatch.trackingNumber})`);
  }
  requireText('carrier', carrier);
  requireText('trackingNumber', trackingNumber);
  requireText('dispatchedAt', dispatchedAt);
  return [{ type: 'shipping.ShipmentDispatched', data: { ...ref(s), carrier, trackingNumber, dispatchedAt, lines: s.lines } }];
}

function deliverShipment(command: CommandOf<'DeliverShipment'>, s: Shipment): ShipmentEvent[] {
  const { deliveredAt } = command;
  if (s.status === 'opened') throw new WrongStatus('shipment', s.shipmentId, s.status, 'it cannot be delivered before it is dispatched');
  if (s.deliveredAt !== undefined) {
    if (s.deliveredAt === deliveredAt) return [];
    throw new WrongStatus('shipment', s.shipmentId, s.status, `delivered already at ${s.deliveredAt}`);
  }
  requireText('deliveredAt', deliveredAt);
  return [{ type: 'shipping.ShipmentDelivered', data: { ...ref(s), deliveredAt } }];
}

const ref = (s: Shipment): ShipmentRef => ({ shipmentId: s.shipmentId, orderId: s.orderId, warehouse: s.warehouse });
