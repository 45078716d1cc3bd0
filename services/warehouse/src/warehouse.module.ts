import { Module } from '@nestjs/common';
import { BinsController } from './bins/bins.controller';
import { CountingController } from './counting/counting.controller';
import { KnownItems } from './known-items/known-items.projection';
import { LayoutController } from './layout/layout.controller';
import { ReceivingController } from './receiving/receiving.controller';
import { OrderEventsHandler } from './order-events/order-events.handler';
import { PickingController } from './picking/picking.controller';
import { ShippingEventsHandler } from './shipping-events/shipping-events.handler';
import { TransferEventsHandler } from './transfer-events/transfer-events.handler';
import { WarehouseCommands } from './warehouse-commands';

/**
 * The warehouse service: warehouses, bins and the physical stock in them, pick lists (needs the platform's
 * PLATFORM_CONTEXT), and its side of the order, shipping and transfer choreography: handlers on WAREHOUSE_TRANSPORT.
 */
@Module({
  controllers: [LayoutController, ReceivingController, CountingController, BinsController, PickingController, OrderEventsHandler, ShippingEventsHandler, TransferEventsHandler],
  providers: [WarehouseCommands, KnownItems],
})
export class WarehouseModule {}
