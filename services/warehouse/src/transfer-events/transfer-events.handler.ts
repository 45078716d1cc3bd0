import type { RecordedEvent } from '@bintrail/contracts';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventContext } from '@bintrail/messaging';
import { PLATFORM_CONTEXT, type PlatformContext } from '@bintrail/service-kit';
import { NothingStaged } from '../stock/warehouse.domain';
import { WAREHOUSE_TRANSPORT } from '../transport';
import { WarehouseCommands } from '../warehouse-commands';
import { TRANSFER_EVENT_TYPES_IN, transferCommandsFor, type TransferEventIn } from './transfer-messages.domain';

/**
 * The warehouses' side of transfers (consumer group 'warehouse'): the source allocates a requested
 * transfer (its pick list), ships its picked units when it is dispatched and gives back the rest; the
 * destination books what arrived at its dock (a receipt like any other: it fills back-orders).
 */
@Controller()
export class TransferEventsHandler {
  constructor(
    private readonly commands: WarehouseCommands,
    @Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext,
  ) {}

  @EventPattern([...TRANSFER_EVENT_TYPES_IN], WAREHOUSE_TRANSPORT)
  async onTransferEvent(@Payload() event: RecordedEvent, @Ctx() _context: EventContext): Promise<void> {
    const metadata = { correlationId: event.metadata.correlationId, causationId: event.eventId, actor: 'transfer-choreography', source: 'warehouse' };
    for (const { warehouse, command } of transferCommandsFor({ type: event.type, data: event.data } as unknown as TransferEventIn)) {
      try {
        await this.commands.runForEvent(warehouse, command, metadata);
      } catch (error) {
        // Staged units a count found missing cannot leave: the transfer's receipt reports the difference.
        if (!(error instanceof NothingStaged)) throw error;
        this.platform.logger.warn('transfer dispatched with nothing left in STAGING', { warehouse, orderId: error.orderId });
      }
    }
  }
}
