import {
  AlreadyExists,
  InconsistentReport,
  requirePositive,
  requireSome,
  requireText,
  requireUnique,
  sameContent,
  ShippingStreamNotFound,
  WrongStatus,
} from '../shipping-errors.domain';

/**
 * An expected receipt (ASN: advance shipping notice) as one stream (`asn-<asnId>`): units in route to a
 * warehouse, counted as in transit there per SKU until the warehouse books a receipt naming the ASN
 * (`warehouse.StockReceived` with `expectedReceiptId`), or until the ASN is closed and what never came
 * is released as a shortage. Per SKU line, at every event:
 *
 *   inTransit == expected − received − released   (received counts only what was expected)
 *
 * Units received beyond that are booked in full by the warehouse all the same; here they are a
 * ReceiptDiscrepancy, never in-transit going below zero.
 */
export interface ExpectedLine {
  readonly sku: string;
  readonly quantity: number;
}

export type ExpectedReceiptCommand =
  | { readonly type: 'RegisterExpectedReceipt'; readonly asnId: string; readonly warehouse: string; readonly lines: readonly ExpectedLine[]; readonly eta: string }
  /** The warehouse booked receipt line (receiptId, sku) naming this ASN: sent by a reaction to `warehouse.StockReceived`. */
  | { readonly type: 'RecordAsnReceipt'; readonly asnId: string; readonly sku: string; readonly quantity: number; readonly receiptId: string }
  | { readonly type: 'CloseExpectedReceipt'; readonly asnId: string; readonly closedAt: string };

type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };
type AsnRef = { readonly asnId: string; readonly warehouse: string };
type ReceiptRef = AsnRef & { readonly sku: string; readonly receiptId: string };

export type ExpectedReceiptEvent =
  | Event<'shipping.ExpectedReceiptRegistered', AsnRef & { readonly eta: string; readonly lines: readonly ExpectedLine[] }>
  /** `quantity` units came off in-transit; `remainingInTransit` is what the SKU's line still expects. */
  | Event<'shipping.ExpectedReceiptReceived', ReceiptRef & { readonly quantity: number; readonly remainingInTransit: number }>
  /**
   * A receipt brought more than the ASN still expected: `expected` is what the line counts on (after a
   * close: what it had received), `received` all units of the SKU booked against the ASN, this receipt's
   * included; `excess` is this receipt's part beyond it. In-transit does not change.
   */
  | Event<'shipping.ReceiptDiscrepancy', ReceiptRef & { readonly expected: number; readonly received: number; readonly excess: number }>
  | Event<'shipping.ExpectedReceiptClosed', AsnRef & { readonly closedAt: string; readonly shortages: readonly ExpectedLine[] }>;

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const eventTypes: Record<ExpectedReceiptEvent['type'], true> = {
  'shipping.ExpectedReceiptRegistered': true,
  'shipping.ExpectedReceiptReceived': true,
  'shipping.ReceiptDiscrepancy': true,
  'shipping.ExpectedReceiptClosed': true,
};
export const EXPECTED_RECEIPT_EVENT_TYPES = Object.keys(eventTypes) as readonly ExpectedReceiptEvent['type'][];

export interface AsnLine {
  readonly sku: string;
  readonly expected: number;
  /** Units received against the expectation (never more than `expected`). */
  readonly received: number;
  /** Units received beyond it, the SKU's own discrepancy. */
  readonly excess: number;
  /** Units the close gave up on. */
  readonly released: number;
}

export interface ExpectedReceipt extends AsnRef {
  readonly exists: true;
  readonly eta: string;
  /** By SKU, in the ASN's order; a SKU that came without being announced gets a line with nothing expected. */
  readonly lines: readonly AsnLine[];
  readonly closedAt?: string;
  /** Receipt lines booked (by receiptKey) and their quantity: a redelivered receipt books nothing twice. */
  readonly receipts: Readonly<Record<string, number>>;
}

export type ExpectedReceiptState = { readonly exists: false } | ExpectedReceipt;

export const initialExpectedReceiptState: ExpectedReceiptState = { exists: false };

export const expectedReceiptStreamId = (asnId: string): string => `asn-${asnId}`;

/** The warehouse books a receipt once per (receiptId, sku); so does the ASN. */
export const receiptKey = (receiptId: string, sku: string): string => JSON.stringify([receiptId, sku]);

export const inTransitOfLine = (line: AsnLine): number => line.expected - line.received - line.released;

export function decideExpectedReceipt(command: ExpectedReceiptCommand, state: ExpectedReceiptState): ExpectedReceiptEvent[] {
  if (command.type === 'RegisterExpectedReceipt') return register(command, state);
  if (!state.exists) throw new ShippingStreamNotFound('expected receipt', command.asnId);
  switch (command.type) {
    case 'RecordAsnReceipt':
      return recordReceipt(command, state);
    case 'CloseExpectedReceipt':
      return close(command, state);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

export function evolveExpectedReceipt(state: ExpectedReceiptState, event: ExpectedReceiptEvent): ExpectedReceiptState {
  if (event.type === 'shipping.ExpectedReceiptRegistered') {
    const { asnId, warehouse, eta, lines } = event.data;
    return { exists: true, asnId, warehouse, eta, lines: lines.map(({ sku, quantity }) => ({ sku, expected: quantity, received: 0, excess: 0, released: 0 })), receipts: {} };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'shipping.ExpectedReceiptReceived': {
      const { sku, quantity, receiptId } = event.data;
      return booked(changeLine(state, sku, (l) => ({ ...l, received: l.received + quantity })), receiptId, sku, quantity);
    }
    case 'shipping.ReceiptDiscrepancy': {
      const { sku, excess, receiptId } = event.data;
      return booked(changeLine(state, sku, (l) => ({ ...l, excess: l.excess + excess })), receiptId, sku, excess);
    }
    case 'shipping.ExpectedReceiptClosed': {
      const closed = event.data.shortages.reduce((s, { sku, quantity }) => changeLine(s, sku, (l) => ({ ...l, released: l.released + quantity })), state);
      return { ...closed, closedAt: event.data.closedAt };
    }
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** The shape `handleCommand` of @bintrail/service-kit runs. */
export const expectedReceiptDecider = { decide: decideExpectedReceipt, evolve: evolveExpectedReceipt, initialState: initialExpectedReceiptState };

type CommandOf<Type extends ExpectedReceiptCommand['type']> = Extract<ExpectedReceiptCommand, { readonly type: Type }>;

function register(command: CommandOf<'RegisterExpectedReceipt'>, state: ExpectedReceiptState): ExpectedReceiptEvent[] {
  const { asnId, warehouse, eta } = command;
  const lines = command.lines.map(({ sku, quantity }) => ({ sku, quantity }));
  const data = { asnId, warehouse, eta, lines };
  if (state.exists) {
    const current = { asnId: state.asnId, warehouse: state.warehouse, eta: state.eta, lines: state.lines.filter((l) => l.expected > 0).map((l) => ({ sku: l.sku, quantity: l.expected })) };
    if (sameContent(current, data)) return [];
    throw new AlreadyExists('expected receipt', asnId);
  }
  requireText('asnId', asnId);
  requireText('warehouse', warehouse);
  requireText('eta', eta);
  requireSome('lines', lines);
  requireUnique('lines[].sku', lines.map((l) => l.sku));
  lines.forEach((line, i) => {
    requireText(`lines[${i}].sku`, line.sku);
    requirePositive(`lines[${i}].quantity`, line.quantity);
  });
  return [{ type: 'shipping.ExpectedReceiptRegistered', data }];
}

/**
 * The warehouse has booked the units already, so a receipt is never refused for its size: what the
 * ASN still expected comes off in-transit, the rest (all of it once the ASN is closed, or for a SKU it
 * never announced) is a discrepancy for someone to look at.
 */
function recordReceipt(command: CommandOf<'RecordAsnReceipt'>, asn: ExpectedReceipt): ExpectedReceiptEvent[] {
  const { sku, quantity, receiptId } = command;
  requireText('receiptId', receiptId);
  requireText('sku', sku);
  requirePositive('quantity', quantity);
  const key = receiptKey(receiptId, sku);
  if (Object.hasOwn(asn.receipts, key)) {
    if (asn.receipts[key] === quantity) return [];
    throw new InconsistentReport('expected receipt', asn.asnId, `receipt ${receiptId} of ${sku} was booked with ${asn.receipts[key]} units, now ${quantity}`);
  }
  const line = lineOf(asn, sku);
  const stillExpected = asn.closedAt === undefined ? inTransitOfLine(line) : 0;
  const counted = Math.min(quantity, stillExpected);
  const ref = { asnId: asn.asnId, warehouse: asn.warehouse, sku, receiptId };
  const events: ExpectedReceiptEvent[] = [];
  if (counted > 0) events.push({ type: 'shipping.ExpectedReceiptReceived', data: { ...ref, quantity: counted, remainingInTransit: stillExpected - counted } });
  if (quantity > counted) {
    const expected = line.expected - line.released;
    const received = line.received + line.excess + quantity;
    events.push({ type: 'shipping.ReceiptDiscrepancy', data: { ...ref, expected, received, excess: quantity - counted } });
  }
  return events;
}

/** Whatever has not come is given up on; the same close retried changes nothing, another one is refused. */
function close(command: CommandOf<'CloseExpectedReceipt'>, asn: ExpectedReceipt): ExpectedReceiptEvent[] {
  if (asn.closedAt !== undefined) {
    if (asn.closedAt === command.closedAt) return [];
    throw new WrongStatus('expected receipt', asn.asnId, 'closed', `closed already at ${asn.closedAt}`);
  }
  requireText('closedAt', command.closedAt);
  const shortages = asn.lines.filter((l) => inTransitOfLine(l) > 0).map((l) => ({ sku: l.sku, quantity: inTransitOfLine(l) }));
  return [{ type: 'shipping.ExpectedReceiptClosed', data: { asnId: asn.asnId, warehouse: asn.warehouse, closedAt: command.closedAt, shortages } }];
}

const NOTHING_EXPECTED = { expected: 0, received: 0, excess: 0, released: 0 };

const lineOf = (asn: ExpectedReceipt, sku: string): AsnLine => asn.lines.find((l) => l.sku === sku) ?? { sku, ...NOTHING_EXPECTED };

function changeLine(asn: ExpectedReceipt, sku: string, change: (line: AsnLine) => AsnLine): ExpectedReceipt {
  const known = asn.lines.some((l) => l.sku === sku);
  const lines = known ? asn.lines : [...asn.lines, { sku, ...NOTHING_EXPECTED }];
  return { ...asn, lines: lines.map((l) => (l.sku === sku ? change(l) : l)) };
}

/** A receipt line may yield a Received and a Discrepancy: the key holds the sum of both, the receipt's whole quantity. */
function booked(asn: ExpectedReceipt, receiptId: string, sku: string, quantity: number): ExpectedReceipt {
  const key = receiptKey(receiptId, sku);
  const before = Object.hasOwn(asn.receipts, key) ? asn.receipts[key]! : 0;
  return { ...asn, receipts: { ...asn.receipts, [key]: before + quantity } };
}

/** The ASN's status, for reads: open while anything is still in transit, received when all came, closed when given up on. */
export function expectedReceiptStatus(state: ExpectedReceiptState): 'open' | 'received' | 'closed' | undefined {
  if (!state.exists) return undefined;
  if (state.closedAt !== undefined) return 'closed';
  return state.lines.every((l) => inTransitOfLine(l) === 0) ? 'received' : 'open';
}

export interface ExpectedReceiptLineView {
  readonly sku: string;
  readonly expected: number;
  /** All units booked against the ASN, beyond the expectation too. */
  readonly received: number;
  /** Still in transit: expected, not received, not given up on by a close. */
  readonly open: number;
  /** Received beyond what the ASN expected (only when some were). */
  readonly excess?: number;
  /** Given up on by the close (only when some were). */
  readonly released?: number;
}

export interface ExpectedReceiptView {
  readonly asnId: string;
  readonly warehouse: string;
  readonly eta: string;
  readonly status: 'open' | 'received' | 'closed';
  readonly closedAt?: string;
  readonly lines: readonly ExpectedReceiptLineView[];
}

/** The ASN as GET /expected-receipts/:id shows it. */
export function expectedReceiptView(asn: ExpectedReceipt): ExpectedReceiptView {
  return {
    asnId: asn.asnId,
    warehouse: asn.warehouse,
    eta: asn.eta,
    status: expectedReceiptStatus(asn)!,
    ...(asn.closedAt === undefined ? {} : { closedAt: asn.closedAt }),
    lines: asn.lines.map((l) => ({
      sku: l.sku,
      expected: l.expected,
      received: l.received + l.excess,
      open: inTransitOfLine(l),
      ...(l.excess > 0 ? { excess: l.excess } : {}),
      ...(l.released > 0 ? { released: l.released } : {}),
    })),
  };
}
