export { startReplenishment, type ReplenishmentOptions, type RunningReplenishment } from './replenishment-service';
export { replenishmentSubscription, REPLENISHMENT_GROUP, REPLENISHMENT_SUBSCRIBED_TYPES } from './stock-watch/replenishment.handler';
export { createReplenishmentTables, replenishmentViews, type ReplenishmentView } from './stock-watch/replenishment.tables';
export {
  decide,
  evolve,
  setReorderPoint,
  replenishmentStreamId,
  REPLENISHMENT_CATEGORY,
  InvalidReorderPoint,
  type ReplenishmentEvent,
  type ReplenishmentState,
  type ReorderPoint,
  type Suggestion,
} from './stock-watch/replenishment.domain';
export { stockLevels, evolveSkuBins, evolveLayout, isLayoutEvent, isStockEvent, RESERVE_ZONE, type StockLevels, type SkuBins, type WarehouseLayout } from './stock-watch/warehouse-stock.domain';
