import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import { column, deleteRows, readInOneRoundTrip, rowsByKey, upsertRows, writeInOneStatement, type Column } from '@bintrail/projections';
import { orderStatus, type Order } from './order.domain';
import { foldOrdersBatch, ordersBookingOf, ordersKeysOf, pickBinKey, type OrderRow, type OrdersBooking, type PickBinRow } from './orders-batch.domain';

type Num = string | number;

const orderColumns: Column<OrderRow>[] = [
  column('order_id', 'text', (r: OrderRow) => r.orderId),
  column('status', 'text', (r: OrderRow) => orderStatus(r.state)),
  column('placed_at', 'text', (r: OrderRow) => r.placedAt),
  column('state', 'text', (r: OrderRow) => JSON.stringify(r.state), 'jsonb'),
  column('position', 'bigint', (r: OrderRow) => r.position),
];
const pickBinKeyColumns = [
  column('order_id', 'text', (k: { readonly orderId: string }) => k.orderId),
  column('allocation_line_id', 'text', (k: { readonly allocationLineId: string }) => k.allocationLineId),
  column('warehouse', 'text', (k: { readonly warehouse: string }) => k.warehouse),
  column('bin', 'text', (k: { readonly bin: string }) => k.bin),
];
const pickBinColumns: Column<PickBinRow>[] = [...pickBinKeyColumns, column('line_id', 'text', (r: PickBinRow) => r.lineId), column('quantity', 'bigint', (r: PickBinRow) => r.quantity)];

/**
 * The orders projection's batch path: the same rows as `apply` event by event, in two statements per batch
 * instead of two or more per event (a live batch of order and warehouse events cost hundreds of round trips on
 * PGlite, which runs one statement at a time). The rows the batch touches are read in one round trip, folded in
 * memory in log order (orders-batch.domain.ts, which refuses what `apply` refuses, so the runner then applies
 * the batch event by event and parks the event at fault), and written in one statement: one upsert per table,
 * one delete of the pick bin rows left empty. Like `apply`, it relies on the checkpoint moving in the same
 * transaction to fold no event twice.
 */
export async function applyOrdersBatch(events: readonly RecordedEvent[], tx: SqlExecutor, s: string): Promise<void> {
  const bookings = events.map(ordersBookingOf).filter((b): b is OrdersBooking => b !== undefined);
  if (bookings.length === 0) return;
  const keys = ordersKeysOf(bookings);
  const [orderRows, pickBinRows] = (await readInOneRoundTrip(tx, [
    keys.orders.length === 0
      ? undefined
      : {
          // The state only of the orders the batch folds; the others are asked only whether they are there.
          sql: `SELECT o.order_id, o.placed_at, o.position, CASE WHEN k.folded THEN o.state END AS state
                FROM unnest($1::text[], $2::boolean[]) AS k(order_id, folded) JOIN ${s}.orders o ON o.order_id = k.order_id`,
          params: [keys.orders.map((k) => k.orderId), keys.orders.map((k) => k.folded)],
        },
    rowsByKey(`${s}.order_pick_bins`, ['order_id', 'allocation_line_id', 'warehouse', 'bin', 'line_id', 'quantity'], pickBinKeyColumns, keys.pickBins.map(([orderId, allocationLineId, warehouse, bin]) => ({ orderId, allocationLineId, warehouse, bin }))),
  ])) as [
    { order_id: string; placed_at: string; position: Num; state: Order | null }[],
    { order_id: string; allocation_line_id: string; warehouse: string; bin: string; line_id: string; quantity: Num }[],
  ];
  const orders = new Map<string, OrderRow>();
  for (const r of orderRows) if (r.state !== null) orders.set(r.order_id, { orderId: r.order_id, placedAt: r.placed_at, state: r.state, position: Number(r.position) });
  const pickBins = new Map<string, PickBinRow>();
  for (const r of pickBinRows) {
    const row = { orderId: r.order_id, allocationLineId: r.allocation_line_id, warehouse: r.warehouse, bin: r.bin, lineId: r.line_id, quantity: Number(r.quantity) };
    pickBins.set(pickBinKey(r.order_id, r.allocation_line_id, r.warehouse, r.bin), row);
  }

  const after = foldOrdersBatch(bookings, { orders, present: new Set(orderRows.map((r) => r.order_id)), pickBins });

  const ordersAfter = [...after.orders.values()];
  const kept = [...after.pickBins.values()].filter((r): r is PickBinRow => r !== undefined);
  const emptied = [...after.pickBins.keys()].filter((key) => after.pickBins.get(key) === undefined).map((key) => pickBins.get(key)!);
  // Kept and emptied pick bin rows are different keys: the upsert and the delete never meet in the one statement.
  await writeInOneStatement(tx, [
    // placed_at as apply leaves it: written with the row, never updated.
    upsertRows(`${s}.orders`, orderColumns, ordersAfter, { key: ['order_id'], update: ['status', 'state', 'position'] }),
    upsertRows(`${s}.order_pick_bins`, pickBinColumns, kept, { key: ['order_id', 'allocation_line_id', 'warehouse', 'bin'], update: ['quantity'] }),
    deleteRows(`${s}.order_pick_bins`, pickBinKeyColumns, emptied),
  ]);
}
