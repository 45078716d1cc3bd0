import fc from 'fast-check';
import { expectedReceiptDecider, expectedReceiptStreamId, inTransitOfLine, type ExpectedReceiptCommand, type ExpectedReceiptState } from '../expected-receipts/expected-receipt.domain';
import { shipmentDecider, shipmentStreamId, type ShipmentCommand, type ShipmentState } from '../shipments/shipment.domain';
import { ShippingError } from '../shipping-errors.domain';
import { inTransitOfTransfer, transferDecider, transferStreamId, type TransferCommand, type TransferState } from '../transfers/transfer.domain';
import { evolveInTransit, inTransitOf, type InTransitTotals, type ShippingEvent } from './in-transit.domain';

/**
 * Random days of shipping: ASNs registered, received (short, exact, over, unannounced SKUs, after the
 * close) and closed; transfers requested, picked, dispatched and received (short, over, nothing);
 * shipments opened, dispatched and delivered in any order; invalid quantities and blank carriers; and
 * commands redelivered. After every step the in-transit totals folded from the events are never
 * negative and equal, per (SKU, warehouse), what the ASNs still expect (expected − received − closed)
 * plus what the transfers have on the road (dispatched − received, the discrepancy settling the
 * difference); no shipment is delivered before it is dispatched; every accepted command, retried,
 * changes nothing.
 */
const WAREHOUSES = ['WH1', 'WH2', 'WH3'];
const SKUS = ['S1', 'S2'];
/** Few ids, so that commands meet the streams they need. */
const ids = (prefix: string) => fc.constantFrom(`${prefix}1`, `${prefix}2`);
/** Mostly valid, sometimes not a positive integer. */
const quantity = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5) });
const time = fc.constantFrom('2026-03-01T10:00:00.000Z', '2026-03-02T10:00:00.000Z');

type Step =
  | { readonly stream: 'asn'; readonly command: ExpectedReceiptCommand }
  | { readonly stream: 'transfer'; readonly command: TransferCommand }
  | { readonly stream: 'shipment'; readonly command: ShipmentCommand }
  | { readonly stream: 'redeliver'; readonly index: number };

const asnCommand: fc.Arbitrary<ExpectedReceiptCommand> = fc.oneof(
  fc.record({
    type: fc.constant('RegisterExpectedReceipt' as const),
    asnId: ids('A'),
    warehouse: fc.constantFrom(...WAREHOUSES),
    lines: fc.uniqueArray(fc.record({ sku: fc.constantFrom(...SKUS), quantity }), { minLength: 1, maxLength: 2, selector: (l) => l.sku }),
    eta: time,
  }),
  { weight: 3, arbitrary: fc.record({ type: fc.constant('RecordAsnReceipt' as const), asnId: ids('A'), sku: fc.constantFrom(...SKUS, 'S9'), quantity, receiptId: ids('R') }) },
  fc.record({ type: fc.constant('CloseExpectedReceipt' as const), asnId: ids('A'), closedAt: time }),
);

const transferCommand: fc.Arbitrary<TransferCommand> = fc.oneof(
  fc.record({
    type: fc.constant('RequestTransfer' as const),
    transferId: ids('T'),
    sku: fc.constantFrom(...SKUS),
    quantity,
    fromWarehouse: fc.constantFrom(...WAREHOUSES),
    toWarehouse: fc.constantFrom(...WAREHOUSES),
  }),
  { weight: 2, arbitrary: fc.record({ type: fc.constant('RecordTransferPicked' as const), transferId: ids('T'), quantity, pickId: ids('P') }) },
  fc.record({ type: fc.constant('DispatchTransfer' as const), transferId: ids('T'), dispatchedAt: time }),
  fc.record({ type: fc.constant('ReceiveTransfer' as const), transferId: ids('T'), quantity: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom(-1, 2.5)), receiptId: ids('R') }),
);

const shipmentCommand: fc.Arbitrary<ShipmentCommand> = fc.oneof(
  fc.record({
    type: fc.constant('OpenShipment' as const),
    shipmentId: ids('SH'),
    orderId: ids('O'),
    warehouse: fc.constantFrom(...WAREHOUSES),
    lines: fc.uniqueArray(fc.record({ lineId: fc.constantFrom('L1#1', 'L2#1'), sku: fc.constantFrom(...SKUS), quantity }), { minLength: 1, maxLength: 2, selector: (l) => l.lineId }),
  }),
  fc.record({ type: fc.constant('DispatchShipment' as const), shipmentId: ids('SH'), carrier: fc.constantFrom('DHL', 'UPS', 'DHL', ' '), trackingNumber: fc.constantFrom('JD1', 'JD2', 'JD1', ''), dispatchedAt: time }),
  fc.record({ type: fc.constant('DeliverShipment' as const), shipmentId: ids('SH'), deliveredAt: time }),
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: asnCommand.map((command) => ({ stream: 'asn' as const, command })) },
  { weight: 4, arbitrary: transferCommand.map((command) => ({ stream: 'transfer' as const, command })) },
  { weight: 3, arbitrary: shipmentCommand.map((command) => ({ stream: 'shipment' as const, command })) },
  { weight: 1, arbitrary: fc.nat(1000).map((index) => ({ stream: 'redeliver' as const, index })) },
);

/** Plain checks, not `expect`: they run after each of thousands of decisions, and must stay cheap. */
function check(holds: boolean, broken: string, details: () => unknown): void {
  if (!holds) throw new Error(`invariant broken: ${broken} ${JSON.stringify(details())}`);
}

interface Stream {
  state: unknown;
  readonly events: ShippingEvent[];
}

type AnyDecider = { decide: (c: unknown, s: unknown) => ShippingEvent[]; evolve: (s: unknown, e: ShippingEvent) => unknown; initialState: unknown };

class ShippingDay {
  readonly streams = new Map<string, Stream>();
  readonly log: ShippingEvent[] = [];
  readonly accepted: Step[] = [];
  totals: InTransitTotals = {};
  /** Units the warehouse booked against each ASN and SKU (each receipt line once): every one must be received or a discrepancy. */
  readonly booked = new Map<string, number>();

  run(s: Step): void {
    if (s.stream === 'redeliver') {
      if (this.accepted.length > 0) this.run(this.accepted[s.index % this.accepted.length]!);
      return;
    }
    const { streamId, decider } = route(s);
    const stream = this.streams.get(streamId) ?? { state: decider.initialState, events: [] };
    let events: ShippingEvent[];
    try {
      events = decider.decide(s.command, stream.state);
    } catch (error) {
      check(error instanceof ShippingError && typeof error.code === 'string', 'only typed domain errors are thrown', () => ({ s, error: String(error) }));
      return;
    }
    const after = events.reduce((state, e) => decider.evolve(state, e), stream.state);
    check(decider.decide(s.command, after).length === 0, 'an accepted command, retried, changes nothing', () => ({ s, events }));
    if (events.length === 0) return;
    if (s.command.type === 'RecordAsnReceipt') this.booked.set(key(s.command.asnId, s.command.sku), (this.booked.get(key(s.command.asnId, s.command.sku)) ?? 0) + s.command.quantity);
    this.streams.set(streamId, { state: after, events: [...stream.events, ...events] });
    this.log.push(...events);
    this.totals = events.reduce(evolveInTransit, this.totals);
    this.accepted.push(s);
  }

  checkAll(): void {
    const expected = new Map<string, number>();
    const add = (warehouse: string, sku: string, n: number) => expected.set(key(warehouse, sku), (expected.get(key(warehouse, sku)) ?? 0) + n);
    for (const [streamId, { state, events }] of this.streams) {
      if (streamId.startsWith('asn-')) checkAsn(state as ExpectedReceiptState, events, this.booked, add);
      else if (streamId.startsWith('transfer-')) checkTransfer(state as TransferState, events, add);
      else checkShipment(state as ShipmentState, events);
    }
    for (const warehouse of WAREHOUSES) {
      for (const sku of SKUS) {
        const folded = inTransitOf(this.totals, sku, warehouse);
        const where = () => ({ warehouse, sku, folded, totals: this.totals, expected: [...expected] });
        check(Number.isSafeInteger(folded) && folded >= 0, 'in transit never below zero', where);
        check(folded === (expected.get(key(warehouse, sku)) ?? 0), 'in transit == what ASNs still expect + what transfers have on the road', where);
      }
    }
    check(Object.keys(this.totals).every((w) => WAREHOUSES.includes(w)) && inTransitOf(this.totals, 'S9', 'WH1') === 0, 'nothing unannounced in transit', () => this.totals);
  }
}

const key = (a: string, b: string) => `${a}/${b}`;
const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);
const of = <T extends ShippingEvent['type']>(events: readonly ShippingEvent[], type: T) => events.filter((e): e is Extract<ShippingEvent, { type: T }> => e.type === type);

function route(s: Exclude<Step, { stream: 'redeliver' }>): { streamId: string; decider: AnyDecider } {
  switch (s.stream) {
    case 'asn':
      return { streamId: expectedReceiptStreamId(s.command.asnId), decider: expectedReceiptDecider as unknown as AnyDecider };
    case 'transfer':
      return { streamId: transferStreamId(s.command.transferId), decider: transferDecider as unknown as AnyDecider };
    case 'shipment':
      return { streamId: shipmentStreamId(s.command.shipmentId), decider: shipmentDecider as unknown as AnyDecider };
    default: {
      const unhandled: never = s;
      return unhandled;
    }
  }
}

/** From the ASN's own events: expected − received − closed per SKU, never negative, and every booked unit received or reported. */
function checkAsn(state: ExpectedReceiptState, events: readonly ShippingEvent[], booked: ReadonlyMap<string, number>, add: (w: string, sku: string, n: number) => void): void {
  if (!state.exists) return;
  for (const sku of [...SKUS, 'S9']) {
    const registered = sum(of(events, 'shipping.ExpectedReceiptRegistered').flatMap((e) => e.data.lines.filter((l) => l.sku === sku).map((l) => l.quantity)));
    const received = sum(of(events, 'shipping.ExpectedReceiptReceived').filter((e) => e.data.sku === sku).map((e) => e.data.quantity));
    const closed = sum(of(events, 'shipping.ExpectedReceiptClosed').flatMap((e) => e.data.shortages.filter((l) => l.sku === sku).map((l) => l.quantity)));
    const excess = sum(of(events, 'shipping.ReceiptDiscrepancy').filter((e) => e.data.sku === sku).map((e) => e.data.excess));
    const inTransit = registered - received - closed;
    const line = state.lines.find((l) => l.sku === sku);
    const where = () => ({ asnId: state.asnId, sku, registered, received, closed, excess, line });
    check(inTransit >= 0, 'an ASN line never receives or releases more than it expected', where);
    check((line ? inTransitOfLine(line) : 0) === inTransit, "the ASN's state agrees with its events", where);
    check(state.closedAt === undefined || inTransit === 0, 'nothing in transit after the close', where);
    check(received + excess === (booked.get(key(state.asnId, sku)) ?? 0), 'every unit booked against the ASN is received or a discrepancy', where);
    add(state.warehouse, sku, inTransit);
  }
}

/** From the transfer's own events: dispatched − received, where a receipt's discrepancy settles the difference, so the transit ends at 0. */
function checkTransfer(state: TransferState, events: readonly ShippingEvent[], add: (w: string, sku: string, n: number) => void): void {
  if (!state.exists) return;
  const dispatched = sum(of(events, 'shipping.TransferDispatched').map((e) => e.data.quantity));
  const receipts = of(events, 'shipping.TransferReceived');
  const discrepancies = of(events, 'shipping.TransferDiscrepancy');
  const received = sum(receipts.map((e) => e.data.quantity));
  const difference = sum(discrepancies.map((e) => e.data.difference));
  const inTransit = dispatched - (received - difference);
  const where = () => ({ transfer: state, events });
  check(of(events, 'shipping.TransferDispatched').length <= 1 && receipts.length <= 1, 'dispatched once, received once', where);
  check(receipts.length === 0 || of(events, 'shipping.TransferDispatched').length === 1, 'never received before dispatch', where);
  check(receipts.every((r) => r.data.dispatched === dispatched && Number.isSafeInteger(r.data.quantity) && r.data.quantity >= 0), 'a receipt is a whole number against what was dispatched', where);
  check(discrepancies.length === (received === dispatched || receipts.length === 0 ? 0 : 1), 'a discrepancy exactly when the receipt differs from the dispatch', where);
  check(state.picked <= state.requested && dispatched <= state.picked, 'dispatched ≤ picked ≤ requested', where);
  check(state.fromWarehouse !== state.toWarehouse, 'a transfer goes somewhere else', where);
  check(inTransit === (receipts.length === 0 ? dispatched : 0) && inTransit === inTransitOfTransfer(state), 'in transit == dispatched − received (± the discrepancy)', where);
  add(state.toWarehouse, state.sku, inTransit);
}

function checkShipment(state: ShipmentState, events: readonly ShippingEvent[]): void {
  if (!state.exists) return;
  const types = events.map((e) => e.type);
  const where = () => ({ shipment: state, types });
  const allowed = [['shipping.ShipmentOpened'], ['shipping.ShipmentOpened', 'shipping.ShipmentDispatched'], ['shipping.ShipmentOpened', 'shipping.ShipmentDispatched', 'shipping.ShipmentDelivered']];
  check(
    allowed.some((a) => JSON.stringify(a) === JSON.stringify(types)),
    'opened, then dispatched once, then delivered once: never delivered without dispatch',
    where,
  );
  check(state.status === (['opened', 'dispatched', 'delivered'] as const)[types.length - 1], 'the status follows the events', where);
  check(state.status === 'opened' || (state.dispatch!.carrier.trim() !== '' && state.dispatch!.trackingNumber.trim() !== ''), 'dispatched with a carrier and a tracking number', where);
}

describe('shipping, as random days of ASNs, transfers and shipments', () => {
  it('keeps in-transit equal to what is on the road, never negative, after every step', () => {
    const seen = { received: 0, discrepancies: 0, closed: 0, delivered: 0 };
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80, size: 'max' }), (steps) => {
        const day = new ShippingDay();
        for (const s of steps) {
          day.run(s);
          day.checkAll();
        }
        seen.received += of(day.log, 'shipping.TransferReceived').length + of(day.log, 'shipping.ExpectedReceiptReceived').length;
        seen.discrepancies += of(day.log, 'shipping.TransferDiscrepancy').length + of(day.log, 'shipping.ReceiptDiscrepancy').length;
        seen.closed += of(day.log, 'shipping.ExpectedReceiptClosed').length;
        seen.delivered += of(day.log, 'shipping.ShipmentDelivered').length;
      }),
      { numRuns: 300 },
    );
    // The generator reaches the interesting paths, not only refusals.
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(20);
  });
});
