/**
 * A warehouse company's history, simulated through the services' own pure deciders: every event is one
 * that `decide` of the warehouse, order, shipping or inventory domain returned for a command on the
 * stream's current state (folded with the same `evolve`), so the history keeps every invariant those
 * functions keep (no bin below zero, nothing allocated beyond what is on hand, a line allocated once …).
 *
 * Time moves in rounds. A command run in round r only ever depends on events of rounds before r (the
 * reactions of services to each other — the allocation process manager, the shipping and warehouse
 * message handlers — are queued for the next round), so the events of one round can be appended per
 * stream, in any order across streams, without putting an effect before its cause in the global log.
 */
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@bintrail/contracts';
import { decideItem, evolveItem, initialItemState, itemStreamId, type ItemState } from '../../services/inventory/src/items/item.domain';
import { ALLOCATION_MANAGER_EVENT_TYPES, initialAllocationManagerState, reactToEvent, type AllocationManagerEvent, type AllocationManagerState, type ProcessCommand } from '../../services/order/src/allocation/allocation-manager.domain';
import { deliveryCommandFor } from '../../services/order/src/delivery/shipping-messages.domain';
import { orderDecider, orderStatus, orderStreamId, type OrderCommand, type OrderState } from '../../services/order/src/orders/order.domain';
import { openShipmentCommands, pickEntryOf, transferPickCommand, type ShippingEventIn, type StagedLine } from '../../services/shipping/src/reactions/shipping-messages.domain';
import { shipmentDecider, shipmentStreamId, type ShipmentCommand, type ShipmentState } from '../../services/shipping/src/shipments/shipment.domain';
import { transferDecider, transferStreamId, type TransferCommand, type TransferState } from '../../services/shipping/src/transfers/transfer.domain';
import { dispatchCommandsFor, type ShippingEventIn as ShipmentDispatchedIn } from '../../services/warehouse/src/shipping-events/shipping-messages.domain';
import {
  binStock,
  DOCK,
  freeIn,
  lineKey,
  own,
  roomIn,
  toPick,
  keyedValues,
  warehouseDecider,
  warehouseStreamId,
  type Warehouse,
  type WarehouseCommand,
  type WarehouseState,
} from '../../services/warehouse/src/stock/warehouse.domain';
import { emptyKeyed, keyedGet, keyedSet } from '../../services/warehouse/src/stock/key-set.domain';
import { transferCommandsFor, type TransferEventIn } from '../../services/warehouse/src/transfer-events/transfer-messages.domain';

export interface HistoryShape {
  /** Events to write (the last round may go a little past it). */
  readonly events: number;
  /** 2–5. */
  readonly warehouses: number;
  /** Seed of the pseudo-random choices: the same seed gives the same commands (event ids and times aside). */
  readonly seed: number;
  /** The history's first and last moments (occurredAt is spread between them). */
  readonly from: Date;
  readonly to: Date;
}

/** One stream's events of a round, in order, with the version the stream had before them. */
export interface StreamAppend {
  readonly streamId: string;
  readonly expectedVersion: number | 'no-stream';
  readonly events: NewEvent[];
}

interface Meta {
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly actor: string;
  readonly source: string;
}

/** An event as the reactions read it: the manager's Delivered shape, plus its correlation id. */
interface Logged {
  readonly type: string;
  readonly data: unknown;
  readonly eventId: string;
  readonly streamId: string;
  readonly correlationId: string;
}

interface Decider<C, E, S> {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  readonly initialState: S;
}

type DomainEvent = { readonly type: string; readonly data: unknown };

const itemDecider: Decider<Parameters<typeof decideItem>[0], ReturnType<typeof decideItem>[number], ItemState> = {
  decide: decideItem,
  evolve: evolveItem,
  initialState: initialItemState,
};

/** The manager's consumer is subscribed to these types only. */
const MANAGER_READS = new Set<string>(ALLOCATION_MANAGER_EVENT_TYPES);
const WAREHOUSE_CODES = ['WH1', 'WH2', 'WH3', 'WH4', 'WH5'];
const ZONES = ['A', 'B', 'C', 'D', 'E', 'F'];
const BIN_CAPACITY = 1_000;
const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(n)));

/** mulberry32: small, fast, good enough to pick SKUs and quantities. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class HistorySimulation {
  readonly itemCount: number;
  readonly binCount: number;
  readonly codes: readonly string[];
  /** Events emitted so far, per type. */
  readonly typeCounts = new Map<string, number>();
  /** Commands a decider refused (as the service would answer 4xx), by error name: a few are normal. */
  readonly refused = new Map<string, number>();
  emitted = 0;
  round = 0;

  private readonly rnd: () => number;
  private readonly ordersPerRound: number;
  private readonly versions = new Map<string, number>();
  private readonly warehouses = new Map<string, WarehouseState>();
  private readonly orders = new Map<string, OrderState>();
  private readonly shipments = new Map<string, ShipmentState>();
  private readonly transfers = new Map<string, TransferState>();
  private readonly items = new Map<string, ItemState>();
  private manager: AllocationManagerState = initialAllocationManagerState;
  /** Staged units per order and attempt line, as the shipping service keeps them from LinePicked / AllocationLost. */
  private readonly staged = new Map<string, Map<string, StagedLine>>();
  /** Commands queued for a later round (reactions, deliveries, transfer arrivals). */
  private readonly later = new Map<number, (() => void)[]>();
  /** Orders placed recently and not picked yet: candidates for a cancellation. */
  private recentOrders: string[] = [];
  /** Orders with a back-order whose customer is waiting (a cancellation is due if it lasts). */
  private readonly waiting = new Set<string>();
  /** Warehouse lines holding nothing, since which round (dropped from the in-memory state after a while). */
  private readonly emptySince = new Map<string, number>();
  private buffer = new Map<string, StreamAppend>();
  private log: Logged[] = [];
  private clock = 0;
  private roundStart = 0;
  private ids = 0;

  constructor(private readonly shape: HistoryShape) {
    if (!(shape.warehouses >= 2 && shape.warehouses <= 5)) throw new Error('warehouses must be from 2 to 5');
    this.rnd = random(shape.seed);
    this.codes = WAREHOUSE_CODES.slice(0, shape.warehouses);
    this.itemCount = clamp(shape.events / 100, 30, 10_000);
    this.binCount = clamp(shape.events / 200, 6 * shape.warehouses, 5_000);
    // Small rounds (a few hours of a day each): an order's life spans about ten of them, and each warehouse
    // has few order lines open at once (its state is copied per event: see the note in warehouse()).
    const perRound = clamp(shape.events / 300, 150, 400);
    this.ordersPerRound = Math.max(3, Math.round(perRound / 16));
  }

  get done(): boolean {
    return this.emitted >= this.shape.events;
  }

  /** Runs one round and hands back its appends, one per stream touched. */
  next(): StreamAppend[] {
    const span = this.shape.to.getTime() - this.shape.from.getTime();
    // Time follows the share of the history written, so the last round lands near `to` whatever the mix.
    this.roundStart = this.shape.from.getTime() + Math.min(1, this.emitted / this.shape.events) * span;
    this.clock = 0;
    if (this.round === 0) this.setUp();
    else {
      const due = this.later.get(this.round) ?? [];
      this.later.delete(this.round);
      for (const run of due) run();
      this.dailyWork();
    }
    for (const event of this.log) this.react(event);
    this.compactLines();
    const appends = [...this.buffer.values()];
    this.buffer = new Map();
    this.log = [];
    this.round += 1;
    return appends;
  }

  private get now(): string {
    return new Date(this.roundStart).toISOString();
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)]!;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  /** Demand and supply lean on the same few SKUs (index ~ r²), as in any warehouse. */
  private sku(): string {
    return skuCode(Math.floor(this.itemCount * this.rnd() ** 2));
  }

  private id(prefix: string): string {
    return `${prefix}${(++this.ids).toString(36).toUpperCase()}`;
  }

  private root(actor: string, source: string): Meta {
    return { correlationId: randomUUID(), causationId: null, actor, source };
  }

  private caused(by: Logged, actor: string, source: string): Meta {
    return { correlationId: by.correlationId, causationId: by.eventId, actor, source };
  }

  /** Decides `command` on the stream's state; a refusal is counted (the service would answer 4xx) and changes nothing. */
  private run<C, E extends DomainEvent, S>(states: Map<string, S>, decider: Decider<C, E, S>, streamId: string, command: C, meta: Meta): E[] {
    const state = states.get(streamId) ?? decider.initialState;
    let events: E[];
    try {
      events = decider.decide(command, state);
    } catch (error) {
      if (error instanceof TypeError || error instanceof ReferenceError || error instanceof RangeError) throw error;
      const name = (error as Error).constructor?.name ?? 'Error';
      this.refused.set(name, (this.refused.get(name) ?? 0) + 1);
      return [];
    }
    if (events.length === 0) return events;
    states.set(streamId, events.reduce(decider.evolve, state));
    this.emit(streamId, events, meta);
    return events;
  }

  private emit(streamId: string, events: readonly DomainEvent[], meta: Meta): void {
    let append = this.buffer.get(streamId);
    if (!append) {
      const version = this.versions.get(streamId) ?? 0;
      append = { streamId, expectedVersion: version === 0 ? 'no-stream' : version, events: [] };
      this.buffer.set(streamId, append);
    }
    for (const event of events) {
      const eventId = randomUUID();
      // Spread over the round's span; a millisecond apart keeps each stream's times in its order.
      const occurredAt = new Date(this.roundStart + this.clock++);
      append.events.push({ type: event.type, data: event.data, eventId, occurredAt, metadata: meta });
      this.log.push({ type: event.type, data: event.data, eventId, streamId, correlationId: meta.correlationId });
      this.typeCounts.set(event.type, (this.typeCounts.get(event.type) ?? 0) + 1);
    }
    this.versions.set(streamId, (this.versions.get(streamId) ?? 0) + events.length);
    this.emitted += events.length;
  }

  private warehouse(code: string, command: WarehouseCommand, meta: Meta): void {
    const streamId = warehouseStreamId(code);
    this.run(this.warehouses, warehouseDecider, streamId, command, meta);
  }

  private order(command: OrderCommand, meta: Meta): void {
    this.run(this.orders, orderDecider, orderStreamId(command.orderId), command, meta);
  }

  private shipment(command: ShipmentCommand, meta: Meta): void {
    this.run(this.shipments, shipmentDecider, shipmentStreamId(command.shipmentId), command, meta);
  }

  private transfer(command: TransferCommand, meta: Meta): void {
    this.run(this.transfers, transferDecider, transferStreamId(command.transferId), command, meta);
  }

  private stateOf(code: string): Warehouse {
    return this.warehouses.get(warehouseStreamId(code)) as Warehouse;
  }

  private schedule(inRounds: number, run: () => void): void {
    const at = this.round + inRounds;
    const list = this.later.get(at) ?? [];
    list.push(run);
    this.later.set(at, list);
  }

  /** Round 0: the item master, the warehouses and their bins (A-01-03: zone, aisle, level). */
  private setUp(): void {
    const erp = this.root('erp', 'inventory');
    for (let i = 0; i < this.itemCount; i++) {
      const sku = skuCode(i);
      this.run(this.items, itemDecider, itemStreamId(sku), { type: 'DefineItem', sku, description: `Item ${i}`, unit: i % 7 === 0 ? 'box' : 'each' }, erp);
    }
    const perWarehouse = Math.floor(this.binCount / this.codes.length);
    for (const code of this.codes) {
      const setup = this.root('admin', 'warehouse');
      this.warehouse(code, { type: 'CreateWarehouse', code, name: `Warehouse ${code}` }, setup);
      for (let b = 0; b < perWarehouse; b++) {
        const zone = ZONES[b % ZONES.length]!;
        const aisle = Math.floor(b / ZONES.length / 10) + 1;
        const level = (Math.floor(b / ZONES.length) % 10) + 1;
        const bin = `${zone}-${String(aisle).padStart(2, '0')}-${String(level).padStart(2, '0')}`;
        this.warehouse(code, { type: 'AddBin', code: bin, zone, capacity: BIN_CAPACITY }, setup);
      }
    }
  }

  /** What people do in a round: receive, put away, order, move, count, transfer, cancel. */
  private dailyWork(): void {
    const orders = this.ordersPerRound;
    // Supply above demand (≈ 9 units an order, ≈ 110 a receipt, spread over the warehouses), on the same SKUs;
    // the first rounds stock the shelves.
    const receipts = Math.ceil(orders * (this.round <= 3 ? 2 : 0.5));
    for (let i = receipts; i > 0; i--) {
      const code = this.pick(this.codes);
      this.warehouse(code, { type: 'ReceiveStock', receiptId: this.id('R'), sku: this.sku(), quantity: this.int(20, 200) }, this.root('receiving-clerk', 'warehouse'));
    }
    for (const code of this.codes) this.putAwayDock(code);
    // A few of last round's orders are cancelled, some before and some after their allocation was booked.
    for (const orderId of this.recentOrders) if (this.rnd() < 0.02) this.order({ type: 'CancelOrder', orderId, reason: 'customer cancelled', cancelledAt: this.now }, this.root('customer-service', 'order'));
    this.recentOrders = [];
    for (let i = 0; i < orders; i++) this.placeOrder();
    for (let i = Math.max(1, Math.round(orders * 0.04)); i > 0; i--) this.moveSomething();
    for (let i = Math.max(1, Math.round(orders * 0.05)); i > 0; i--) this.cycleCount();
    for (let i = Math.floor(orders * 0.02 + this.rnd()); i > 0; i--) this.requestTransfer();
  }

  /** Everything free at the dock goes to a storage bin that holds the SKU already, else to any bin with room. */
  private putAwayDock(code: string): void {
    const w = this.stateOf(code);
    const meta = this.root('forklift', 'warehouse');
    for (const sku of Object.keys(own(w.stock, DOCK) ?? {})) {
      const current = this.stateOf(code);
      const quantity = freeIn(current, DOCK, sku);
      if (quantity <= 0) continue;
      const holding = Object.keys(current.stock).filter((bin) => bin !== DOCK && current.bins[bin]?.kind === 'storage' && binStock(current, bin, sku).onHand > 0 && roomIn(current, bin) >= quantity);
      const toBin = holding[0] ?? this.binWithRoom(current, quantity);
      if (toBin) this.warehouse(code, { type: 'PutAway', sku, quantity, fromBin: DOCK, toBin }, meta);
    }
  }

  private binWithRoom(w: Warehouse, quantity: number): string | undefined {
    const bins = Object.keys(w.bins).filter((b) => w.bins[b]!.kind === 'storage');
    for (let attempt = 0; attempt < 10; attempt++) {
      const bin = this.pick(bins);
      if (roomIn(w, bin) >= quantity && !w.binsToCount.includes(bin)) return bin;
    }
    return undefined;
  }

  private placeOrder(): void {
    const orderId = this.id('O');
    const count = this.int(1, 3);
    const skus = new Set<string>();
    while (skus.size < count) skus.add(this.sku());
    const lines = [...skus].map((sku, i) => ({ lineId: `L${i + 1}`, sku, quantity: this.int(1, 8) }));
    const warehouses = [...this.codes].sort(() => this.rnd() - 0.5);
    this.order({ type: 'PlaceOrder', orderId, lines, warehouses, customerRef: `C${this.int(1, 5_000)}`, placedAt: this.now }, this.root('erp', 'order'));
    this.recentOrders.push(orderId);
  }

  private randomStock(code: string): { bin: string; sku: string } | undefined {
    const w = this.stateOf(code);
    const bins = Object.keys(w.stock).filter((b) => w.bins[b]?.kind === 'storage');
    if (bins.length === 0) return undefined;
    const bin = this.pick(bins);
    return { bin, sku: this.pick(Object.keys(w.stock[bin]!)) };
  }

  private moveSomething(): void {
    const code = this.pick(this.codes);
    const at = this.randomStock(code);
    if (!at) return;
    const w = this.stateOf(code);
    const free = freeIn(w, at.bin, at.sku);
    if (free <= 0) return;
    const quantity = this.int(1, free);
    const toBin = this.binWithRoom(w, quantity);
    if (toBin && toBin !== at.bin) this.warehouse(code, { type: 'MoveStock', sku: at.sku, quantity, fromBin: at.bin, toBin }, this.root('forklift', 'warehouse'));
  }

  /** Most counts agree; some find a unit or a few missing, a few find extra. */
  private cycleCount(): void {
    const code = this.pick(this.codes);
    const at = this.randomStock(code);
    if (!at) return;
    const { onHand } = binStock(this.stateOf(code), at.bin, at.sku);
    const r = this.rnd();
    const delta = r < 0.6 ? 0 : r < 0.85 ? -this.int(1, 3) : this.int(1, 3);
    const countedQuantity = Math.max(0, onHand + delta);
    this.warehouse(code, { type: 'CountBin', countId: this.id('C'), bin: at.bin, sku: at.sku, countedQuantity, reason: 'cycle count' }, this.root('counter', 'warehouse'));
  }

  private requestTransfer(): void {
    const from = this.pick(this.codes);
    const to = this.pick(this.codes.filter((c) => c !== from));
    const at = this.randomStock(from);
    if (!at) return;
    const free = freeIn(this.stateOf(from), at.bin, at.sku);
    if (free < 4) return;
    const quantity = this.int(1, Math.min(50, Math.floor(free / 2)));
    this.transfer({ type: 'RequestTransfer', transferId: this.id('T'), sku: at.sku, quantity, fromWarehouse: from, toWarehouse: to }, this.root('planner', 'shipping'));
  }

  /** The picker goes to every bin of the line's pick list; about one pick in fifty finds fewer units than allocated. */
  private pickLine(code: string, orderId: string, lineId: string, meta: Meta): void {
    for (let pass = 0; pass < 4; pass++) {
      const line = keyedGet(this.stateOf(code).lines, lineKey(orderId, lineId));
      const bins = line ? toPick(line) : [];
      if (bins.length === 0) return;
      for (const { bin, quantity } of bins) {
        const short = pass === 0 && this.rnd() < 0.02 ? this.int(1, quantity) : 0;
        this.warehouse(code, { type: 'ConfirmPick', orderId, lineId, bin, sku: line!.sku, quantity, pickedQuantity: quantity - short }, meta);
      }
    }
  }

  /** The services' reactions to one event of this round, queued for the next one. */
  private react(e: Logged): void {
    if (MANAGER_READS.has(e.type)) {
      // Idempotency by event id is the manager's business on redelivery; nothing is redelivered here, so its
      // remembered ids are not carried (copying them on every event would dominate the run).
      const reaction = reactToEvent({ ...this.manager, handled: {} }, e as unknown as AllocationManagerEvent);
      this.manager = { ...reaction.state, handled: {} };
      for (const command of reaction.commands) this.schedule(1, () => this.runProcessCommand(command, this.caused(e, 'allocation-manager', 'order')));
    }
    const data = e.data as Record<string, unknown>;
    switch (e.type) {
      case 'order.OrderReadyToPick': {
        const { orderId, allocations } = data as { orderId: string; allocations: { warehouse: string; allocationLineId: string }[] };
        const meta = this.caused(e, `picker-${this.int(1, 40)}`, 'warehouse');
        this.schedule(1, () => {
          for (const a of allocations) this.pickLine(a.warehouse, orderId, a.allocationLineId, meta);
        });
        return;
      }
      case 'order.LinePicked':
      case 'order.AllocationLost': {
        const entry = pickEntryOf(e as unknown as ShippingEventIn);
        if (!entry) return;
        const lines = this.staged.get(entry.orderId) ?? new Map<string, StagedLine>();
        const line = lines.get(entry.allocationLineId) ?? { allocationLineId: entry.allocationLineId, warehouse: entry.warehouse, sku: entry.sku, quantity: 0 };
        lines.set(entry.allocationLineId, { ...line, quantity: line.quantity + entry.delta });
        this.staged.set(entry.orderId, lines);
        return;
      }
      case 'order.PicksCompleted': {
        const orderId = data.orderId as string;
        const staged = [...(this.staged.get(orderId)?.values() ?? [])];
        this.staged.delete(orderId);
        this.schedule(1, () => {
          for (const command of openShipmentCommands(orderId, staged)) this.shipment(command, this.caused(e, 'shipping', 'shipping'));
        });
        return;
      }
      case 'order.LineBackOrdered': {
        // A customer waits some days for a back-order, then gives up: the order is cancelled and what it held goes back.
        const orderId = data.orderId as string;
        if (this.waiting.has(orderId)) return;
        this.waiting.add(orderId);
        this.schedule(this.int(3, 6), () => {
          this.waiting.delete(orderId);
          const status = orderStatus(this.orders.get(orderStreamId(orderId)) ?? { exists: false });
          if (status === 'back-ordered' || status === 'allocating') this.order({ type: 'CancelOrder', orderId, reason: 'back-order too long', cancelledAt: this.now }, this.caused(e, 'customer-service', 'order'));
        });
        return;
      }
      case 'order.OrderCancelled':
      case 'order.OrderDelivered':
        this.staged.delete(data.orderId as string);
        return;
      case 'shipping.ShipmentOpened':
        this.schedule(1, () =>
          this.shipment({ type: 'DispatchShipment', shipmentId: data.shipmentId as string, carrier: this.pick(['DHL', 'UPS', 'DPD']), trackingNumber: this.id('TRK'), dispatchedAt: this.now }, this.caused(e, 'dock-clerk', 'shipping')),
        );
        return;
      case 'shipping.ShipmentDispatched': {
        for (const { warehouse, command } of dispatchCommandsFor(e as unknown as ShipmentDispatchedIn)) this.schedule(1, () => this.warehouse(warehouse, command, this.caused(e, 'shipping-events', 'warehouse')));
        this.schedule(this.int(2, 4), () => this.shipment({ type: 'DeliverShipment', shipmentId: data.shipmentId as string, deliveredAt: this.now }, this.caused(e, 'carrier', 'shipping')));
        return;
      }
      case 'shipping.ShipmentDelivered':
        this.schedule(1, () => this.order(deliveryCommandFor(e as never), this.caused(e, 'shipping-events', 'order')));
        return;
      case 'warehouse.StockAllocated': {
        const { orderId, lineId } = data as { orderId: string; lineId: string };
        // A transfer's line (order id = line id = transfer-<id>) is picked at the source right away.
        if (orderId.startsWith(transferStreamId('')) && orderId === lineId) {
          const code = e.streamId.slice(warehouseStreamId('').length);
          this.schedule(1, () => this.pickLine(code, orderId, lineId, this.caused(e, `picker-${this.int(1, 40)}`, 'warehouse')));
        }
        return;
      }
      case 'warehouse.StockPicked': {
        const command = transferPickCommand(e as unknown as ShippingEventIn, e.eventId);
        if (command) this.schedule(1, () => this.transfer(command, this.caused(e, 'shipping-events', 'shipping')));
        return;
      }
      case 'warehouse.PickShorted': {
        // The bin waits for a count: sometimes the units turn up, mostly they are gone.
        const { bin, sku, shortQuantity } = data as { bin: string; sku: string; shortQuantity: number };
        const code = e.streamId.slice(warehouseStreamId('').length);
        this.schedule(1, () => {
          const { onHand } = binStock(this.stateOf(code), bin, sku);
          const countedQuantity = this.rnd() < 0.3 ? onHand : Math.max(0, onHand - shortQuantity);
          this.warehouse(code, { type: 'CountBin', countId: this.id('C'), bin, sku, countedQuantity, reason: 'short pick' }, this.caused(e, 'counter', 'warehouse'));
        });
        return;
      }
      case 'shipping.TransferPicked': {
        const { transferId, picked } = data as { transferId: string; picked: number };
        // All of a transfer's picks are booked in one round: dispatch once, after the last of them.
        const t = this.transfers.get(transferStreamId(transferId)) as { picked: number } | undefined;
        if (t && t.picked === picked) this.schedule(1, () => this.transfer({ type: 'DispatchTransfer', transferId, dispatchedAt: this.now, carrier: 'own truck' }, this.caused(e, 'dock-clerk', 'shipping')));
        return;
      }
      case 'shipping.TransferRequested':
      case 'shipping.TransferDispatched':
      case 'shipping.TransferReceived': {
        const transferEvent = e as unknown as TransferEventIn;
        for (const { warehouse, command } of transferCommandsFor(transferEvent)) this.schedule(1, () => this.warehouse(warehouse, command, this.caused(e, 'transfer-events', 'warehouse')));
        if (e.type === 'shipping.TransferDispatched') {
          const { transferId, quantity } = data as { transferId: string; quantity: number };
          // Now and then a unit is lost on the way (TransferDiscrepancy).
          const arrived = this.rnd() < 0.05 ? quantity - 1 : quantity;
          this.schedule(this.int(1, 3), () => this.transfer({ type: 'ReceiveTransfer', transferId, quantity: arrived, receiptId: this.id('R') }, this.caused(e, 'receiving-clerk', 'shipping')));
        }
        return;
      }
      default:
        return;
    }
  }

  private runProcessCommand(command: ProcessCommand, meta: Meta): void {
    if (command.service === 'order') this.order(command.command, meta);
    else this.warehouse(command.streamId.slice(warehouseStreamId('').length), command.command, meta);
  }

  /**
   * The warehouse stream's state keeps every order line it ever allocated; copied on each event, that made
   * a long history quadratic. Lines that have held nothing for a few rounds are settled (dispatched, released
   * or never filled) and no command here names them again, so they are dropped from the in-memory state.
   */
  private compactLines(): void {
    for (const code of this.codes) {
      const w = this.warehouses.get(warehouseStreamId(code));
      if (!w?.exists) continue;
      const settled: string[] = [];
      for (const line of keyedValues(w.lines)) {
        const key = lineKey(line.orderId, line.lineId);
        const id = `${code}|${key}`;
        if (Object.keys(line.bins).length > 0) {
          this.emptySince.delete(id);
          continue;
        }
        const since = this.emptySince.get(id);
        if (since === undefined) this.emptySince.set(id, this.round);
        else if (this.round - since >= 2) settled.push(key);
      }
      if (settled.length === 0) continue;
      const drop = new Set(settled);
      for (const key of settled) this.emptySince.delete(`${code}|${key}`);
      // Built afresh, not with `delete`: an object that had keys deleted stays in V8's slow dictionary
      // mode, and every spread of it in evolve then costs a hundred times more.
      let lines: typeof w.lines = emptyKeyed;
      for (const line of keyedValues(w.lines)) {
        const key = lineKey(line.orderId, line.lineId);
        if (!drop.has(key)) lines = keyedSet(lines, key, line);
      }
      this.warehouses.set(warehouseStreamId(code), { ...w, lines });
    }
  }
}

export const skuCode = (i: number): string => `SKU-${String(i + 1).padStart(5, '0')}`;
