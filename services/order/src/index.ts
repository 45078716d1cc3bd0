export * from './orders/order.domain';
export * from './allocation/allocation-manager.domain';
export * from './allocation/back-order-queue.domain';
export { warehouseOfStream, warehouseStreamId, type WarehouseCommandOut, type WarehouseEventIn } from './allocation/warehouse-messages.domain';
