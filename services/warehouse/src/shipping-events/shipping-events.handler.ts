import type { RecordedEvent } from '@bintrail/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventContext } from '@bintrail/messaging';
import { WAREHOUSE_TRANSPORT } from '../transport';
import { WarehouseCommands } from '../warehouse-commands';
import { dispatchCommandsFor, SHIPPING_EVENT_TYPES_IN, type ShippingEventIn } from './shipping-messages.domain';

/**
 * The warehouse's side of shipping (consumer group 'warehouse'): a dispatched shipment ships each line's
 * staged units. DispatchStock is idempotent per line and shipment, so a redelivered event changes nothing.
 */
@Controller()
export class ShippingEventsHandler {
  constructor(private readonly commands: WarehouseCommands) {}

  @EventPattern([...SHIPPING_EVENT_TYPES_IN], WAREHOUSE_TRANSPORT)
  async onShippingEvent(@Payload() event: RecordedEvent, @Ctx() _context: EventContext): Promise<void> {
    const metadata = { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: 'shipping-choreography', source: 'warehouse' };
    for (const { warehouse, command } of dispatchCommandsFor({ type: event.type, data: event.data } as unknown as ShippingEventIn)) {
      await this.commands.runForEvent(warehouse, command, metadata);
    }
  }
}
