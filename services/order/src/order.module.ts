import { Module } from '@nestjs/common';
import { AllocationHandler } from './allocation/allocation.handler';
import { Catalog } from './catalog/catalog.projection';
import { DeliveryHandler } from './delivery/delivery.handler';
import { OrderCommands } from './orders/order-commands';
import { OrdersController } from './orders/orders.controller';

/**
 * The order service: sales orders over HTTP (needs the platform's PLATFORM_CONTEXT) and the allocation
 * process manager, whose handlers run on ORDER_TRANSPORT (consumer group 'order').
 */
@Module({
  controllers: [OrdersController, AllocationHandler, DeliveryHandler],
  providers: [OrderCommands, Catalog],
})
export class OrderModule {}
