import {
  AlreadyExists,
  InconsistentReport,
  InvalidShippingCommand,
  requirePositive,
  requireText,
  requireWholeNumber,
  sameContent,
  ShippingStreamNotFound,
  WrongStatus,
} from '../shipping-errors.domain';

/**
 * A transfer of one SKU between two warehouses as one stream (`transfer-<transferId>`). The source
 * warehouse allocates and picks it like an order line (under `allocation`), dispatch takes the picked
 * units off the source's on-hand and puts them in transit to the destination, and the destination's
 * receipt (booked at its dock by the warehouse, reacting to TransferReceived) ends the transit:
 *
 *   inTransit == dispatched until received, then 0; received − dispatched is the TransferDiscrepancy
 */
export type TransferCommand =
  | { readonly type: 'RequestTransfer'; readonly transferId: string; readonly sku: string; readonly quantity: number; readonly fromWarehouse: string; readonly toWarehouse: string }
  /** The source warehouse picked units of the transfer's line (`pickId`: the warehouse event behind it, so a redelivery books nothing twice). */
  | { readonly type: 'RecordTransferPicked'; readonly transferId: string; readonly quantity: number; readonly pickId: string }
  | { readonly type: 'DispatchTransfer'; readonly transferId: string; readonly dispatchedAt: string; readonly carrier?: string; readonly trackingNumber?: string }
  /** What arrived at the destination, 0 when nothing did. */
  | { readonly type: 'ReceiveTransfer'; readonly transferId: string; readonly quantity: number; readonly receiptId: string };

type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

/** The (orderId, lineId) the source warehouse allocates, picks and dispatches the transfer under. */
export interface TransferAllocation {
  readonly orderId: string;
  readonly lineId: string;
}

type TransferRef = { readonly transferId: string; readonly sku: string; readonly fromWarehouse: string; readonly toWarehouse: string };
/** Who carries it, when the dispatch said so. */
type Carriage = { readonly carrier?: string; readonly trackingNumber?: string };

export type TransferEvent =
  | Event<'shipping.TransferRequested', TransferRef & { readonly quantity: number; readonly allocation: TransferAllocation }>
  /** `picked`: all units picked for the transfer so far. */
  | Event<'shipping.TransferPicked', TransferRef & { readonly quantity: number; readonly pickId: string; readonly picked: number }>
  /** `quantity` units left the source and are in transit; `unpicked` of the request were never picked, and the source's allocation of them is to be released. */
  | Event<
      'shipping.TransferDispatched',
      TransferRef & Carriage & { readonly quantity: number; readonly unpicked: number; readonly dispatchedAt: string; readonly allocation: TransferAllocation }
    >
  /** The transit is over: `quantity` units go on hand at the destination's dock; the `dispatched` ones leave in transit. */
  | Event<'shipping.TransferReceived', TransferRef & { readonly quantity: number; readonly dispatched: number; readonly receiptId: string }>
  /** `difference` = received − dispatched: negative when units were lost on the way. */
  | Event<'shipping.TransferDiscrepancy', TransferRef & { readonly dispatched: number; readonly received: number; readonly difference: number; readonly receiptId: string }>;

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const eventTypes: Record<TransferEvent['type'], true> = {
  'shipping.TransferRequested': true,
  'shipping.TransferPicked': true,
  'shipping.TransferDispatched': true,
  'shipping.TransferReceived': true,
  'shipping.TransferDiscrepancy': true,
};
export const TRANSFER_EVENT_TYPES = Object.keys(eventTypes) as readonly TransferEvent['type'][];

export type TransferStatus = 'requested' | 'dispatched' | 'received';

export interface Transfer extends TransferRef {
  readonly exists: true;
  readonly requested: number;
  readonly picked: number;
  readonly pickIds: readonly string[];
  readonly status: TransferStatus;
  readonly dispatched: number;
  readonly dispatchedAt?: string;
  readonly carriage?: Carriage;
  readonly receipt?: { readonly receiptId: string; readonly quantity: number };
}

export type TransferState = { readonly exists: false } | Transfer;

export const initialTransferState: TransferState = { exists: false };

export const transferStreamId = (transferId: string): string => `transfer-${transferId}`;

/**
 * Order and line id are both `transfer-<id>`: the order service's process manager ignores allocations
 * whose line id carries no `#<attempt>`, so a transfer id may not contain `#`.
 */
export const transferAllocation = (transferId: string): TransferAllocation => ({ orderId: transferStreamId(transferId), lineId: transferStreamId(transferId) });

export const inTransitOfTransfer = (t: Transfer): number => (t.status === 'dispatched' ? t.dispatched : 0);

export function decideTransfer(command: TransferCommand, state: TransferState): TransferEvent[] {
  if (command.type === 'RequestTransfer') return requestTransfer(command, state);
  if (!state.exists) throw new ShippingStreamNotFound('transfer', command.transferId);
  switch (command.type) {
    case 'RecordTransferPicked':
      return recordPicked(command, state);
    case 'DispatchTransfer':
      return dispatchTransfer(command, state);
    case 'ReceiveTransfer':
      return receiveTransfer(command, state);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

export function evolveTransfer(state: TransferState, event: TransferEvent): TransferState {
  if (event.type === 'shipping.TransferRequested') {
    const { transferId, sku, fromWarehouse, toWarehouse, quantity } = event.data;
    return { exists: true, transferId, sku, fromWarehouse, toWarehouse, requested: quantity, picked: 0, pickIds: [], status: 'requested', dispatched: 0 };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'shipping.TransferPicked':
      return { ...state, picked: event.data.picked, pickIds: [...state.pickIds, event.data.pickId] };
    case 'shipping.TransferDispatched':
      return { ...state, status: 'dispatched', dispatched: event.data.quantity, dispatchedAt: event.data.dispatchedAt, carriage: carriageOf(event.data) };
    case 'shipping.TransferReceived':
      return { ...state, status: 'received', receipt: { receiptId: event.data.receiptId, quantity: event.data.quantity } };
    case 'shipping.TransferDiscrepancy':
      return state;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** The shape `handleCommand` of @bintrail/service-kit runs. */
export const transferDecider = { decide: decideTransfer, evolve: evolveTransfer, initialState: initialTransferState };

type CommandOf<Type extends TransferCommand['type']> = Extract<TransferCommand, { readonly type: Type }>;

const carriageOf = ({ carrier, trackingNumber }: Carriage): Carriage => ({
  ...(carrier === undefined ? {} : { carrier }),
  ...(trackingNumber === undefined ? {} : { trackingNumber }),
});

const refOf = (t: Transfer): TransferRef => ({ transferId: t.transferId, sku: t.sku, fromWarehouse: t.fromWarehouse, toWarehouse: t.toWarehouse });

function requestTransfer(command: CommandOf<'RequestTransfer'>, state: TransferState): TransferEvent[] {
  const { transferId, sku, quantity, fromWarehouse, toWarehouse } = command;
  if (state.exists) {
    if (sameContent({ ...refOf(state), quantity: state.requested }, { transferId, sku, fromWarehouse, toWarehouse, quantity })) return [];
    throw new AlreadyExists('transfer', transferId);
  }
  requireText('transferId', transferId);
  if (transferId.includes('#')) throw new InvalidShippingCommand('transferId', "must not contain '#' (it marks an order's allocation attempt)");
  requireText('sku', sku);
  requirePositive('quantity', quantity);
  requireText('fromWarehouse', fromWarehouse);
  requireText('toWarehouse', toWarehouse);
  if (fromWarehouse === toWarehouse) throw new InvalidShippingCommand('toWarehouse', 'must differ from fromWarehouse');
  return [{ type: 'shipping.TransferRequested', data: { transferId, sku, fromWarehouse, toWarehouse, quantity, allocation: transferAllocation(transferId) } }];
}

function recordPicked(command: CommandOf<'RecordTransferPicked'>, t: Transfer): TransferEvent[] {
  const { quantity, pickId } = command;
  requirePositive('quantity', quantity);
  requireText('pickId', pickId);
  if (t.pickIds.includes(pickId)) return [];
  if (t.status !== 'requested') throw new WrongStatus('transfer', t.transferId, t.status, 'units picked after dispatch cannot travel with it');
  if (t.picked + quantity > t.requested) throw new InconsistentReport('transfer', t.transferId, `picked ${quantity}, only ${t.requested - t.picked} left to pick`);
  return [{ type: 'shipping.TransferPicked', data: { ...refOf(t), quantity, pickId, picked: t.picked + quantity } }];
}

/** Dispatches what was picked (a short pick travels short); the same dispatch retried changes nothing. */
function dispatchTransfer(command: CommandOf<'DispatchTransfer'>, t: Transfer): TransferEvent[] {
  const { dispatchedAt } = command;
  if (t.dispatchedAt !== undefined) {
    if (t.dispatchedAt === dispatchedAt) return [];
    throw new WrongStatus('transfer', t.transferId, t.status, `dispatched already at ${t.dispatchedAt}`);
  }
  requireText('dispatchedAt', dispatchedAt);
  if (command.carrier !== undefined) requireText('carrier', command.carrier);
  if (command.trackingNumber !== undefined) requireText('trackingNumber', command.trackingNumber);
  if (t.picked === 0) throw new WrongStatus('transfer', t.transferId, t.status, 'nothing is picked to dispatch');
  return [
    {
      type: 'shipping.TransferDispatched',
      data: { ...refOf(t), ...carriageOf(command), quantity: t.picked, unpicked: t.requested - t.picked, dispatchedAt, allocation: transferAllocation(t.transferId) },
    },
  ];
}

/** One receipt ends the transfer: the same receipt redelivered changes nothing, a second one is refused. */
function receiveTransfer(command: CommandOf<'ReceiveTransfer'>, t: Transfer): TransferEvent[] {
  const { quantity, receiptId } = command;
  requireWholeNumber('quantity', quantity);
  requireText('receiptId', receiptId);
  if (t.receipt !== undefined) {
    if (sameContent(t.receipt, { receiptId, quantity })) return [];
    throw new WrongStatus('transfer', t.transferId, t.status, `received already (receipt ${t.receipt.receiptId})`);
  }
  if (t.status !== 'dispatched') throw new WrongStatus('transfer', t.transferId, t.status, 'it cannot be received before it is dispatched');
  const ref = refOf(t);
  const events: TransferEvent[] = [{ type: 'shipping.TransferReceived', data: { ...ref, quantity, dispatched: t.dispatched, receiptId } }];
  if (quantity !== t.dispatched) {
    events.push({ type: 'shipping.TransferDiscrepancy', data: { ...ref, dispatched: t.dispatched, received: quantity, difference: quantity - t.dispatched, receiptId } });
  }
  return events;
}
