import { decideOrder, evolveOrder, initialOrderState, orderStreamId, type OrderCommand, type OrderEvent, type OrderState } from '../orders/order.domain';
import {
  initialAllocationManagerState,
  reactToEvent,
  type AllocationManagerEvent,
  type AllocationManagerState,
  type ProcessCommand,
  type Reaction,
} from './allocation-manager.domain';
import { warehouseStreamId, type WarehouseCommandOut, type WarehouseEventIn } from './warehouse-messages.domain';

/**
 * The order flow in memory, for tests: order streams decided by the order decider, the allocation
 * process manager fed from one global log in order, and warehouses faked as free units per SKU that
 * allocate what they have (the real warehouse lives in another scope). Commands wait in an outbox
 * until delivered, in any order the test chooses, and may be delivered twice.
 */
interface FakeLine {
  readonly sku: string;
  held: number;
  staged: number;
  /** Shipments that took the line's staged units: like the real warehouse, a shipment dispatches a line once. */
  readonly shipments: string[];
}

interface FakeWarehouse {
  readonly free: Map<string, number>;
  readonly lines: Map<string, FakeLine>;
}

interface Outgoing {
  readonly command: ProcessCommand;
  duplicated: boolean;
}

const BIN = 'A-01';
const key = (orderId: string, lineId: string) => JSON.stringify([orderId, lineId]);

export class OrderFlow {
  readonly orders = new Map<string, OrderState>();
  readonly warehouses = new Map<string, FakeWarehouse>();
  manager: AllocationManagerState = initialAllocationManagerState;
  /** Every event appended, in global order. */
  readonly log: AllocationManagerEvent[] = [];
  /** Every command the manager sent, in order. */
  readonly sent: ProcessCommand[] = [];
  private readonly outbox: Outgoing[] = [];
  private delivered = 0;
  private ids = 0;

  constructor(
    codes: readonly string[],
    /** Called with the manager's state before and the reaction after each event it handles. */
    private readonly observe: (before: AllocationManagerState, event: AllocationManagerEvent, reaction: Reaction) => void = () => undefined,
    /** Called with an order's state after each decision on it. */
    private readonly checkOrder: (state: OrderState) => void = () => undefined,
  ) {
    for (const code of codes) this.warehouses.set(code, { free: new Map(), lines: new Map() });
  }

  order(command: OrderCommand): OrderEvent[] {
    const state = this.orders.get(command.orderId) ?? initialOrderState;
    const events = decideOrder(command, state);
    this.orders.set(command.orderId, events.reduce(evolveOrder, state));
    this.checkOrder(this.orders.get(command.orderId)!);
    this.append(orderStreamId(command.orderId), events);
    return events;
  }

  receive(code: string, sku: string, quantity: number): void {
    const w = this.warehouse(code);
    w.free.set(sku, (w.free.get(sku) ?? 0) + quantity);
    this.append(warehouseStreamId(code), [{ type: 'warehouse.StockReceived', data: { receiptId: `R${this.ids}`, sku, bin: 'DOCK', quantity } }]);
  }

  /** The picker was sent for `sentFor` units of the attempt and found `found`; a short pick is counted right away (the bin comes off hold). */
  pick(code: string, orderId: string, lineId: string, sentFor: number, found: number): void {
    const line = this.warehouse(code).lines.get(key(orderId, lineId))!;
    const { sku } = line;
    const events: WarehouseEventIn[] = [];
    if (found > 0) events.push({ type: 'warehouse.StockPicked', data: { orderId, lineId, sku, bin: BIN, quantity: found } });
    line.staged += found;
    if (found < sentFor) {
      const missing = sentFor - found;
      line.held -= missing;
      events.push({ type: 'warehouse.PickShorted', data: { orderId, lineId, sku, bin: BIN, shortQuantity: missing, reallocations: [], unfilledQuantity: missing } });
      events.push({ type: 'warehouse.BinCounted', data: { countId: `C${this.ids}`, bin: BIN, sku, countedQuantity: 0, previousQuantity: 0, reason: 'short pick' } });
    }
    this.append(warehouseStreamId(code), events);
  }

  /** Ships what the line has staged; a shipment that dispatched the line already ships nothing (as `dispatchStock` in services/warehouse). */
  dispatch(code: string, orderId: string, lineId: string, shipmentId: string): void {
    const line = this.warehouse(code).lines.get(key(orderId, lineId))!;
    if (line.shipments.includes(shipmentId)) return;
    line.shipments.push(shipmentId);
    const quantity = line.staged;
    line.held -= quantity;
    line.staged = 0;
    this.append(warehouseStreamId(code), [{ type: 'warehouse.StockDispatched', data: { orderId, lineId, sku: line.sku, quantity, shipmentId } }]);
  }

  /** Warehouse lines still holding units, for picking: [warehouse, orderId, lineId, to pick]. */
  openLines(): [string, string, string, number][] {
    return [...this.warehouses].flatMap(([code, w]) =>
      [...w.lines].filter(([, l]) => l.held - l.staged > 0).map(([k, l]): [string, string, string, number] => [code, ...(JSON.parse(k) as [string, string]), l.held - l.staged]),
    );
  }

  stagedLines(): [string, string, string][] {
    return [...this.warehouses].flatMap(([code, w]) => [...w.lines].filter(([, l]) => l.staged > 0).map(([k]): [string, string, string] => [code, ...(JSON.parse(k) as [string, string])]));
  }

  heldBy(code: string, orderId: string, lineId: string): { held: number; staged: number } | undefined {
    const line = this.warehouses.get(code)?.lines.get(key(orderId, lineId));
    return line && { held: line.held, staged: line.staged };
  }

  free(code: string, sku: string): number {
    return this.warehouse(code).free.get(sku) ?? 0;
  }

  /** Hands an already handled event to the manager again: what it answers. */
  redeliver(index: number): Reaction {
    return reactToEvent(this.manager, this.log[index % this.log.length]!);
  }

  /**
   * Delivers everything: the manager reads the log in order, commands leave the outbox in the order
   * `choices` picks (cycled; first pending by default), and a choice divisible by 5 delivers a
   * command without taking it out, so that it arrives twice.
   */
  settle(choices: readonly number[] = []): void {
    for (let step = 0; this.delivered < this.log.length || this.outbox.length > 0; step++) {
      const choice = choices.length === 0 ? 0 : choices[step % choices.length]!;
      const eventPending = this.delivered < this.log.length ? 1 : 0;
      const index = choice % (eventPending + this.outbox.length);
      if (eventPending && index === 0) {
        this.handle(this.log[this.delivered++]!);
        continue;
      }
      const outgoing = this.outbox[index - eventPending]!;
      if (choices.length > 0 && choice % 5 === 0 && !outgoing.duplicated) outgoing.duplicated = true;
      else this.outbox.splice(index - eventPending, 1);
      this.execute(outgoing.command);
    }
  }

  private handle(event: AllocationManagerEvent): void {
    const before = this.manager;
    const reaction = reactToEvent(before, event);
    this.observe(before, event, reaction);
    this.manager = reaction.state;
    this.sent.push(...reaction.commands);
    this.outbox.push(...reaction.commands.map((command) => ({ command, duplicated: false })));
  }

  private execute(outgoing: ProcessCommand): void {
    if (outgoing.service === 'order') {
      this.order(outgoing.command);
      return;
    }
    const code = outgoing.streamId.slice('warehouse-'.length);
    this.append(outgoing.streamId, this.warehouseDecides(this.warehouse(code), outgoing.command));
  }

  /** What the warehouse domain does, reduced to units: allocation is once per (order, line id) for the warehouse's life. */
  private warehouseDecides(w: FakeWarehouse, command: WarehouseCommandOut): WarehouseEventIn[] {
    const { orderId, lineId } = command;
    const existing = w.lines.get(key(orderId, lineId));
    if (command.type === 'AllocateStock') {
      if (existing) return [];
      const { sku, quantity } = command;
      const allocated = Math.min(quantity, w.free.get(sku) ?? 0);
      w.free.set(sku, (w.free.get(sku) ?? 0) - allocated);
      w.lines.set(key(orderId, lineId), { sku, held: allocated, staged: 0, shipments: [] });
      const allocations = allocated > 0 ? [{ bin: BIN, quantity: allocated }] : [];
      return [{ type: 'warehouse.StockAllocated', data: { orderId, lineId, sku, requested: quantity, allocations, shortQuantity: quantity - allocated } }];
    }
    if (!existing || existing.held === 0) return [];
    const toPick = existing.held - existing.staged;
    const stagedQuantity = existing.staged;
    w.free.set(existing.sku, (w.free.get(existing.sku) ?? 0) + toPick); // staged units stay in STAGING, which is never allocated from
    existing.held = 0;
    existing.staged = 0;
    return [{ type: 'warehouse.AllocationReleased', data: { orderId, lineId, sku: existing.sku, allocations: toPick > 0 ? [{ bin: BIN, quantity: toPick }] : [], stagedQuantity } }];
  }

  private append(streamId: string, events: readonly (OrderEvent | WarehouseEventIn)[]): void {
    for (const event of events) this.log.push({ ...event, eventId: `E${++this.ids}`, streamId } as AllocationManagerEvent);
  }

  private warehouse(code: string): FakeWarehouse {
    return this.warehouses.get(code)!;
  }
}
