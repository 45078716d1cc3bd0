import type { RecordedEvent } from '@bintrail/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventContext } from '@bintrail/messaging';
import { WAREHOUSE_TRANSPORT } from '../transport';
import { WarehouseCommands } from '../warehouse-commands';
import { commandsFor, ORDER_EVENT_TYPES_IN, type OrderEventIn } from './order-messages.domain';

/**
 * The warehouse's side of the order choreography (consumer group 'warehouse'): an order asks for an
 * allocation, or gives back what it holds. Commands run on the warehouse stream like the HTTP ones; they
 * are idempotent, so a redelivered event (at-least-once on this group) changes nothing.
 *
 * The commands are queued on their streams before the handler returns, and their end is deferred where
 * the group allows it: a batch of orders' allocation requests is then decided and appended to the
 * warehouse stream together (one append), in the order of the requests, instead of one append per order.
 */
@Controller()
export class OrderEventsHandler {
  constructor(private readonly commands: WarehouseCommands) {}

  @EventPattern([...ORDER_EVENT_TYPES_IN], WAREHOUSE_TRANSPORT)
  async onOrderEvent(@Payload() event: RecordedEvent, @Ctx() context: EventContext): Promise<void> {
    const metadata = { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: 'order-choreography', source: 'warehouse' };
    // Queued now, in order (one warehouse stream takes them one after the other); two warehouses work side by side.
    const sent = commandsFor(event as unknown as OrderEventIn).map(({ warehouse, command }) => this.commands.runForEvent(warehouse, command, metadata));
    const done = Promise.all(sent);
    if (context.defer) context.defer(done);
    else await done;
  }
}
