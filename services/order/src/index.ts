export * from './orders/order.domain';
export * from './allocation/allocation-manager.domain';
export * from './allocation/back-order-queue.domain';
export { warehouseOfStream, warehouseStreamId, type WarehouseCommandOut, type WarehouseEventIn } from './allocation/warehouse-messages.domain';
export { OrderModule } from './order.module';
export { ORDER_TRANSPORT, ORDER_GROUP } from './transport';
export { catalogProjection } from './catalog/catalog.projection';
export { ordersProjection } from './orders/orders.projection';

import { catalogProjection } from './catalog/catalog.projection';
import { ordersProjection } from './orders/orders.projection';
/** Every read model the order service needs running. */
export const orderProjections = [catalogProjection, ordersProjection];
