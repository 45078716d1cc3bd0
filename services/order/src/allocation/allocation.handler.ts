import type { RecordedEvent } from '@bintrail/contracts';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventContext } from '@bintrail/messaging';
import { PLATFORM_CONTEXT, type PlatformContext } from '@bintrail/service-kit';
import { OrderCommands } from '../orders/order-commands';
import { ORDER_TRANSPORT } from '../transport';
import {
  ALLOCATION_MANAGER_EVENT_TYPES,
  initialAllocationManagerState,
  reactToEvent,
  type AllocationManagerEvent,
  type AllocationManagerState,
} from './allocation-manager.domain';

/**
 * The allocation process manager at work (consumer group 'order'): each order or warehouse event is
 * fed to the pure manager, and the commands it returns for order streams run here (the warehouse's
 * own group runs the warehouse-bound ones, from the same order events).
 *
 * Its state (back-order queue, bins on hold) survives a restart in `order_allocation_manager`, with
 * the global position of the last event folded into it. The group runs outside a transaction (its
 * commands append to the store), so per event: react, run the commands, save the state and position,
 * then the checkpoint moves. A crash before the save delivers the event again to the old state: the
 * same commands, with the same ids, which the order streams book once. A crash after the save: the
 * position says the event is in the state already, and it is skipped. So the `handled` set of the pure
 * state is not kept (it would grow forever); the saved position does its work. (Distributed, from Kafka,
 * events of two topics come in no global order: there the `handled` set is kept and does it instead.)
 *
 * On the store's log the group lets handlers defer their work: the manager reacts to each event in log order
 * as soon as the one before has queued its commands, and the commands of a batch of events run side by side
 * (one order stream each, in the order they were sent). Saves stay in order: an event's state is saved only
 * once its own commands and everything before it are done, so a saved state never holds an event whose
 * commands did not run. When some of that work fails, the manager refuses to react further (deferred) until
 * the group delivers the events again from the failed one, awaited: it then reloads its saved state and goes on.
 */
@Controller()
export class AllocationHandler {
  private loaded: Promise<{ state: AllocationManagerState; position: number }> | undefined;
  /** The event being reacted to (deferred: until its commands are queued; otherwise until done): the next one waits for it. */
  private turn: Promise<void> = Promise.resolve();
  /** The work (commands, then save) of the last event reacted to; each event's work ends after the one before. */
  private settled: Promise<void> = Promise.resolve();
  /** Some deferred work failed: the in-memory state may hold events whose commands did not run. */
  private broken = false;

  constructor(
    private readonly commands: OrderCommands,
    @Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext,
  ) {}

  @EventPattern([...ALLOCATION_MANAGER_EVENT_TYPES], ORDER_TRANSPORT)
  onEvent(@Payload() event: RecordedEvent, @Ctx() context: EventContext): Promise<void> {
    // Kafka hands over several partitions at once. The state is read, changed and saved whole, so two
    // events at a time would each save what they read, and the later save would undo the other's change.
    const defer = context.message === undefined ? context.defer : undefined;
    const reacted = this.turn.then(() => this.react(event, context, defer !== undefined));
    const handled = defer ? reacted.then(({ work }) => defer(work)) : reacted.then(({ work }) => work);
    this.turn = handled.catch(() => undefined);
    return handled;
  }

  /**
   * Reacts and queues the commands; resolves with the promise of the rest (commands done, state saved), wrapped:
   * an async function returning a promise would wait for it.
   */
  private async react(event: RecordedEvent, context: EventContext, deferred: boolean): Promise<{ readonly work: Promise<void> }> {
    if (this.broken) {
      if (deferred) throw new Error('the allocation manager waits for the events after a failure to be delivered again, in order');
      // Delivered again, awaited, from the first event whose work failed: start over from the saved state.
      this.broken = false;
      this.loaded = undefined;
      this.settled = Promise.resolve();
    }
    const current = await this.load();
    // From the store's log events come in global order: the saved position tells what the state holds already.
    // From Kafka (a message in the context) two topics interleave in any order: the pure state's event ids do.
    const inLogOrder = context.message === undefined;
    if (inLogOrder && event.globalPosition <= current.position) return { work: Promise.resolve() };
    const delivered = { type: event.type, data: event.data, eventId: event.eventId, streamId: event.streamId } as unknown as AllocationManagerEvent;
    const reaction = reactToEvent(current.state, delivered);
    const metadata = { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: 'allocation-manager', source: 'order' };
    const ours = reaction.commands.filter((c) => c.service === 'order');
    const sent = ours.map(({ command }) => this.commands.runForEvent(command, metadata)); // queued now, in order
    const next = { state: inLogOrder ? { ...reaction.state, handled: {} } : reaction.state, position: Math.max(current.position, event.globalPosition) };
    // An event that changed neither the queue nor the holds need not be saved: delivered again after a crash, it
    // changes nothing again, and its commands (same ids) are booked once (most receipts, with no back-order
    // waiting; every AllocationRequested, whose command the warehouse's own group runs; every warehouse answer,
    // which only becomes a command to its order). From Kafka too: there the handled set in memory changed, but
    // remembering such an event across a crash buys nothing, and saving the whole state (up to a thousand
    // remembered ids) for each of them was the distributed order service's bottleneck.
    const unchanged = reaction.state.backOrderQueue === current.state.backOrderQueue && reaction.state.binsOnHold === current.state.binsOnHold;
    this.loaded = Promise.resolve(next);
    const before = this.settled;
    const work = (async () => {
      await Promise.all(sent);
      await before; // saves in log order, each after all the work before it
      if (!unchanged) await this.save(next.state, next.position);
    })();
    work.catch(() => (this.broken = true));
    this.settled = work;
    return { work };
  }

  private load(): Promise<{ state: AllocationManagerState; position: number }> {
    this.loaded ??= this.read().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  private async read(): Promise<{ state: AllocationManagerState; position: number }> {
    const { store, s } = this.platform;
    await store.db.query(`CREATE TABLE IF NOT EXISTS ${s}.order_allocation_manager (id text PRIMARY KEY, state jsonb NOT NULL, position bigint NOT NULL)`);
    const { rows } = await store.db.query<{ state: unknown; position: string }>(`SELECT state, position FROM ${s}.order_allocation_manager WHERE id = 'allocation'`);
    if (!rows[0]) return { state: initialAllocationManagerState, position: 0 };
    const state = (typeof rows[0].state === 'string' ? JSON.parse(rows[0].state) : rows[0].state) as AllocationManagerState;
    return { state, position: Number(rows[0].position) };
  }

  private async save(state: AllocationManagerState, position: number): Promise<void> {
    await this.platform.store.db.query(
      `INSERT INTO ${this.platform.s}.order_allocation_manager (id, state, position) VALUES ('allocation', $1::jsonb, $2)
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, position = EXCLUDED.position`,
      [JSON.stringify(state), position],
    );
  }
}
