import type { RecordedEvent } from '@bintrail/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventContext } from '@bintrail/messaging';
import { OrderCommands } from '../orders/order-commands';
import { ORDER_TRANSPORT } from '../transport';
import { deliveryCommandFor, SHIPPING_EVENT_TYPES_IN, type ShippingEventIn } from './shipping-messages.domain';

/**
 * A delivered shipment (consumer group 'order'): the order records its delivery (once; a redelivered
 * event changes nothing). It may come before the order has booked the dispatch (that comes through the
 * warehouse, later in the log or on another topic): the order keeps it and is delivered once shipped.
 * Only a cancelled order refuses it (OrderNotShipped: retried, then parked and shown by GET /status).
 */
@Controller()
export class DeliveryHandler {
  constructor(private readonly commands: OrderCommands) {}

  @EventPattern([...SHIPPING_EVENT_TYPES_IN], ORDER_TRANSPORT)
  async onShippingEvent(@Payload() event: RecordedEvent, @Ctx() _context: EventContext): Promise<void> {
    const metadata = { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: 'shipping-choreography', source: 'order' };
    await this.commands.runForEvent(deliveryCommandFor({ type: event.type, data: event.data } as unknown as ShippingEventIn), metadata);
  }
}
