import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@bintrail/contracts';
import { openEmbeddedEventStore, quoteIdent, type SqlEventStore } from '@bintrail/event-store';
import { silentLogger } from '@bintrail/observability';
import { encodeEvent, ensurePlatformTopics, InProcessBus, KafkaEventSource, type EventContext } from '@bintrail/messaging';
import type { PlatformContext } from '@bintrail/service-kit';
import { OrderCommands } from '../orders/order-commands';
import { orderStreamId, type OrderEvent } from '../orders/order.domain';
import { ALLOCATION_MANAGER_EVENT_TYPES } from './allocation-manager.domain';
import { AllocationHandler } from './allocation.handler';

async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/**
 * The allocation manager's consumer on a real (embedded) store: commands on order streams, its state
 * kept across restarts, and a redelivered event changing nothing.
 */
describe('allocation manager handler (PGlite)', () => {
  let store: SqlEventStore;
  let platform: PlatformContext;
  let commands: OrderCommands;

  beforeEach(async () => {
    store = await openEmbeddedEventStore(undefined);
    platform = { store, s: quoteIdent('bintrail'), logger: silentLogger };
    commands = new OrderCommands(platform);
  });
  afterEach(() => store.close());

  const context = { tx: undefined, logger: silentLogger };
  const orderEvents = async (orderId: string) => (await store.readStream(orderStreamId(orderId))).map((e) => e.type as OrderEvent['type']);
  let position = 100;
  const warehouseEvent = (type: string, data: Record<string, unknown>): RecordedEvent => ({
    type,
    version: 1,
    eventId: randomUUID(),
    streamId: 'warehouse-WH1',
    streamPosition: 1,
    globalPosition: ++position,
    occurredAt: new Date(),
    data,
    metadata: { correlationId: 'c-1', causationId: null, actor: 'test', source: 'warehouse' },
  });
  const answer = (orderId: string, allocated: number, globalPosition = ++position) => ({
    ...warehouseEvent('warehouse.StockAllocated', {
      orderId,
      lineId: 'L1#1',
      sku: 'SKU-1',
      requested: 2,
      allocations: allocated > 0 ? [{ bin: 'A-01', quantity: allocated }] : [],
      shortQuantity: 2 - allocated,
    }),
    globalPosition,
  });
  const place = (orderId: string, placedAt: string) =>
    commands.runForEvent({ type: 'PlaceOrder', orderId, lines: [{ lineId: 'L1', sku: 'SKU-1', quantity: 2 }], warehouses: ['WH1'], placedAt }, {});
  const asDelivered = async (orderId: string): Promise<RecordedEvent[]> => store.readStream(orderStreamId(orderId));

  it('books a warehouse answer once, keeps the back-order queue across a restart, and fills the oldest first', async () => {
    await place('O-OLD', '2026-01-01T00:00:00.000Z');
    await place('O-NEW', '2026-01-02T00:00:00.000Z');
    let handler = new AllocationHandler(commands, platform);
    for (const orderId of ['O-OLD', 'O-NEW']) {
      const short = warehouseEvent('warehouse.StockAllocated', { orderId, lineId: 'L1#1', sku: 'SKU-1', requested: 2, allocations: [], shortQuantity: 2 });
      await handler.onEvent(short, context);
      await handler.onEvent(short, context); // redelivered: nothing new
      for (const event of await asDelivered(orderId)) await handler.onEvent({ ...event, globalPosition: ++position }, context);
    }
    expect(await orderEvents('O-OLD')).toEqual(['order.OrderPlaced', 'order.AllocationRequested', 'order.NothingAllocated', 'order.LineBackOrdered']);

    // A restart: a new handler loads the saved queue.
    handler = new AllocationHandler(commands, platform);
    const arrived = warehouseEvent('warehouse.StockReceived', { receiptId: 'R1', sku: 'SKU-1', bin: 'DOCK', quantity: 3 });
    await handler.onEvent(arrived, context);
    await handler.onEvent(arrived, context);
    const retries = async (orderId: string) =>
      (await asDelivered(orderId)).filter((e) => e.type === 'order.AllocationRequested' && (e.data as { retry: boolean }).retry).map((e) => (e.data as { quantity: number }).quantity);
    expect(await retries('O-OLD')).toEqual([2]);
    expect(await retries('O-NEW')).toEqual([1]);

    // Delivered again to a handler that lost its memory before saving: the same commands, booked once.
    await platform.store.db.query(`UPDATE ${platform.s}.order_allocation_manager SET position = $1`, [arrived.globalPosition - 1]);
    await platform.store.db.query(`UPDATE ${platform.s}.order_allocation_manager SET state = jsonb_set(state, '{backOrderQueue}', $1::jsonb)`, [
      JSON.stringify({ 'SKU-1': [{ orderId: 'O-OLD', lineId: 'L1', placedAt: '2026-01-01T00:00:00.000Z', quantity: 2 }, { orderId: 'O-NEW', lineId: 'L1', placedAt: '2026-01-02T00:00:00.000Z', quantity: 2 }] }),
    ]);
    await new AllocationHandler(commands, platform).onEvent(arrived, context);
    expect(await retries('O-OLD')).toEqual([2]);
    expect(await retries('O-NEW')).toEqual([1]);
  });

  describe('on the store\'s log, with its work deferred (the embedded group calls the next event at once)', () => {
    it('hands each event\'s work to defer, and books every answer of a batch', async () => {
      const orders = ['O-1', 'O-2', 'O-3', 'O-4'];
      for (const orderId of orders) await place(orderId, '2026-01-01T00:00:00.000Z');
      const handler = new AllocationHandler(commands, platform);
      const deferred: unknown[] = [];
      const deferring = { ...context, defer: (work: Promise<unknown>) => void deferred.push(work) };
      for (const orderId of orders) await handler.onEvent(answer(orderId, 2), deferring);
      expect(deferred).toHaveLength(orders.length);
      for (const work of deferred) expect(work).toBeInstanceOf(Promise);
      await Promise.all(deferred);
      for (const orderId of orders) expect(await orderEvents(orderId)).toContain('order.LineAllocated');
    });

    it('after some work failed, refuses to react further until the events come again, awaited; then goes on from its saved state', async () => {
      await place('O-1', '2026-01-01T00:00:00.000Z');
      await place('O-3', '2026-01-01T00:00:00.000Z');
      const handler = new AllocationHandler(commands, platform);
      const events = [answer('O-1', 2), answer('O-MISSING', 2), answer('O-3', 2)]; // no order O-MISSING: its command is refused
      const works: Promise<unknown>[] = [];
      const deferring = { ...context, defer: (work: Promise<unknown>) => void works.push(work) };
      await handler.onEvent(events[0]!, deferring);
      await handler.onEvent(events[1]!, deferring);
      const outcomes = await Promise.allSettled(works);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
      // Deferred again, as the group would before it saw the failure: refused, not reacted on a doubtful state.
      await expect(handler.onEvent(events[2]!, deferring)).rejects.toThrow(/delivered again/);
      // The group delivers again from the failed event, awaited: that one fails again, the next is booked.
      await expect(handler.onEvent(events[1]!, context)).rejects.toThrow();
      await handler.onEvent(events[2]!, context);
      expect(await orderEvents('O-1')).toContain('order.LineAllocated');
      expect(await orderEvents('O-3')).toContain('order.LineAllocated');
    });
  });

  describe('fed from Kafka (distributed: two topics, several partitions at once, no global order)', () => {
    it('books an answer that comes after order events placed later in the log', async () => {
      // As the platform wires it: the service's transport subscribes non-transactionally (its handlers append).
      const bus = new InProcessBus();
      await ensurePlatformTopics(bus, { partitions: 3 });
      const handler = new AllocationHandler(commands, platform);
      const handled: string[] = [];
      const consumer = await new KafkaEventSource({ bus }).subscribe({
        groupId: 'order',
        types: ALLOCATION_MANAGER_EVENT_TYPES,
        transactional: false,
        handle: async (event, context) => {
          await handler.onEvent(event, context);
          handled.push(event.eventId);
        },
      });
      try {
        await place('O-1', '2026-01-01T00:00:00.000Z');
        const head = (await asDelivered('O-1')).at(-1)!.globalPosition;
        const allocatedInLog = answer('O-1', 2, head + 1); // the warehouse's answer, next in the log
        await place('O-2', '2026-01-01T00:01:00.000Z'); // later in the log than that answer
        // order.events is ahead of warehouse.events: O-2's events reach the manager first.
        const later = await asDelivered('O-2');
        await bus.publish(later.map((e) => encodeEvent(e)));
        await eventually(async () => expect(handled).toHaveLength(later.length));
        await bus.publish([encodeEvent(allocatedInLog)]);
        await eventually(async () => expect(await orderEvents('O-1')).toContain('order.LineAllocated'));
      } finally {
        await consumer.stop();
        await bus.close();
      }
    });

    it('books an answer without rewriting its saved state when the answer changes neither queue nor holds', async () => {
      const kafka = (event: RecordedEvent): EventContext => ({
        ...context,
        message: { topic: 'bintrail.warehouse.events', partition: 0, offset: '0', key: event.streamId, value: '', headers: {} },
      });
      await place('O-1', '2026-01-01T00:00:00.000Z');
      const handler = new AllocationHandler(commands, platform);
      const allocated = answer('O-1', 2);
      await handler.onEvent(allocated, kafka(allocated));
      expect(await orderEvents('O-1')).toContain('order.LineAllocated');
      // Saving the whole state (up to a thousand remembered event ids) per event was the distributed bottleneck.
      const { rows } = await store.db.query<{ state: unknown }>(`SELECT state FROM ${platform.s}.order_allocation_manager`);
      expect(rows).toEqual([]);
      // Delivered again (a crash before the inbox row): booked once all the same.
      await new AllocationHandler(commands, platform).onEvent(allocated, kafka(allocated));
      expect((await orderEvents('O-1')).filter((t) => t === 'order.LineAllocated')).toHaveLength(1);
    });

    it('keeps every back-order of events handled at the same time', async () => {
      const kafka = (event: RecordedEvent): EventContext => ({
        ...context,
        message: { topic: `bintrail.${event.type.split('.')[0]}.events`, partition: 0, offset: '0', key: event.streamId, value: '', headers: {} },
      });
      const handler = new AllocationHandler(commands, platform);
      const orders = ['O-A', 'O-B', 'O-C'];
      for (const [i, orderId] of orders.entries()) {
        await place(orderId, `2026-01-0${i + 1}T00:00:00.000Z`);
        const nothing = answer(orderId, 0); // nothing in stock: each line is back-ordered
        await handler.onEvent(nothing, kafka(nothing));
      }
      const backOrders = (await Promise.all(orders.map(asDelivered))).flat().filter((e) => e.type === 'order.LineBackOrdered');
      expect(backOrders).toHaveLength(orders.length);
      // Three partitions at once: each event's change must survive the others' saves.
      await Promise.all(backOrders.map((e) => handler.onEvent(e, kafka(e))));

      const arrived = warehouseEvent('warehouse.StockReceived', { receiptId: 'R1', sku: 'SKU-1', bin: 'DOCK', quantity: 6 });
      await new AllocationHandler(commands, platform).onEvent(arrived, kafka(arrived)); // after a restart, from what was saved
      const retried = async (orderId: string) =>
        (await asDelivered(orderId)).filter((e) => e.type === 'order.AllocationRequested' && (e.data as { retry: boolean }).retry).map((e) => (e.data as { quantity: number }).quantity);
      expect(await Promise.all(orders.map(retried))).toEqual([[2], [2], [2]]);
    });
  });
});
