import type { RecordedEvent } from '@bintrail/contracts';
import type { EventStore, SqlExecutor } from '@bintrail/event-store';
import type { StartFrom, Subscription } from '@bintrail/subscriber';
import { decide, evolve, initialReplenishmentState, replenishmentStreamId, type ReplenishmentEvent } from './replenishment.domain';
import { loadLayout, loadState, markWarehouseSeen, saveLayout, saveState, warehouseSeen } from './replenishment.tables';
import {
  evolveLayout,
  isLayoutEvent,
  isStockEvent,
  WAREHOUSE_LAYOUT_EVENT_TYPES,
  WAREHOUSE_STOCK_EVENT_TYPES,
  warehouseOfStream,
  type WarehouseLayoutEvent,
  type WarehouseStockEvent,
} from './warehouse-stock.domain';

export const REPLENISHMENT_GROUP = 'replenishment';

/** The warehouses' layout and stock events, and replenishment's own reorder points (set through its HTTP API). */
export const REPLENISHMENT_SUBSCRIBED_TYPES = [...WAREHOUSE_LAYOUT_EVENT_TYPES, ...WAREHOUSE_STOCK_EVENT_TYPES, 'replenishment.ReorderPointSet'] as const;
type SubscribedType = (typeof REPLENISHMENT_SUBSCRIBED_TYPES)[number];

/** How many of a warehouse's not yet handled events are looked at before deciding on a new reorder point. */
const LOOK_AHEAD = 500;

/**
 * Folds each event into the (warehouse, SKU) row, asks the domain what it calls for, and appends that to the
 * pair's stream, all in the subscriber's transaction: a suggestion is appended exactly when the row that
 * remembers it open is written, and a redelivered event (inbox) does neither twice.
 *
 * Reorder points and stock come on different topics, so live from Kafka a point can arrive before stock events
 * that were recorded earlier. Deciding then would judge the point against stale stock (a purchase suggested at
 * "0 on hand", closed a moment later). So a point is only recorded while the store holds earlier events of the
 * SKU in that warehouse's stream not handled yet; handling those events makes the decision.
 */
export function replenishmentSubscription(
  schema: string,
  options: { readonly store: Pick<EventStore, 'readStream'>; readonly group?: string; readonly from?: StartFrom },
): Subscription<SubscribedType> {
  /** True when the warehouse's stream has events of the SKU recorded before `before` that were not handled yet. */
  const stockPending = async (tx: SqlExecutor, where: { warehouse: string; sku: string }, before: number): Promise<boolean> => {
    const seen = await warehouseSeen(tx, schema, where.warehouse);
    const next = await options.store.readStream(`warehouse-${where.warehouse}`, { from: seen + 1, maxCount: LOOK_AHEAD });
    return next.some((e) => e.globalPosition < before && isStockEvent(e) && (e.data as { sku?: unknown }).sku === where.sku);
  };

  return {
    group: options.group ?? REPLENISHMENT_GROUP,
    events: REPLENISHMENT_SUBSCRIBED_TYPES,
    ...(options.from === undefined ? {} : { from: options.from }),
    handle: async (recorded, { tx, append, logger }) => {
      const event = { type: recorded.type, data: recorded.data } as WarehouseLayoutEvent | WarehouseStockEvent | ReplenishmentEvent;
      if (isLayoutEvent(event)) {
        const warehouse = warehouseOfStream(recorded.streamId);
        await saveLayout(tx, schema, warehouse, evolveLayout(await loadLayout(tx, schema, warehouse), event));
        await markWarehouseSeen(tx, schema, warehouse, recorded.streamPosition);
        return;
      }
      const where = whereOf(recorded, event);
      const stored = await loadState(tx, schema, where.warehouse, where.sku);
      const state = evolve(stored?.state ?? initialReplenishmentState, event as WarehouseStockEvent | ReplenishmentEvent);
      const stale = event.type === 'replenishment.ReorderPointSet' && (await stockPending(tx, where, recorded.globalPosition));
      const decided = stale ? [] : decide(where, state, await loadLayout(tx, schema, where.warehouse));
      // The append goes first: the store's global order needs it to be the transaction's first write.
      if (decided.length > 0) await append(replenishmentStreamId(where.warehouse, where.sku), decided, 'any');
      await saveState(tx, schema, where, decided.reduce(evolve, state), stored?.version, recorded.globalPosition);
      if (isStockEvent(event)) await markWarehouseSeen(tx, schema, where.warehouse, recorded.streamPosition);
      if (stale) logger.debug('reorder point recorded; decided when the earlier stock events of the SKU are handled', where);
      for (const e of decided) logger.info(e.type === 'replenishment.ReplenishmentSuggested' ? 'replenishment suggested' : 'replenishment closed', { ...e.data, cause: recorded.type });
    },
  };
}

function whereOf(recorded: RecordedEvent, event: WarehouseStockEvent | ReplenishmentEvent | WarehouseLayoutEvent): { warehouse: string; sku: string } {
  if (isStockEvent(event)) return { warehouse: warehouseOfStream(recorded.streamId), sku: event.data.sku };
  const data = event.data as { warehouse: string; sku: string };
  return { warehouse: data.warehouse, sku: data.sku };
}
