import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import { readInOneRoundTrip, writeInOneStatement } from '@bintrail/projections';
import { orderStatus, type Order } from './order.domain';
import { foldOrdersBatch, ordersBookingOf, ordersKeysOf, pickBinKey, type OrderRow, type OrdersBooking, type PickBinRow } from './orders-batch.domain';

type Num = string | number;

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
    keys.pickBins.length === 0
      ? undefined
      : {
          sql: `SELECT b.order_id, b.allocation_line_id, b.warehouse, b.bin, b.line_id, b.quantity
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(order_id, allocation_line_id, warehouse, bin)
                JOIN ${s}.order_pick_bins b ON b.order_id = k.order_id AND b.allocation_line_id = k.allocation_line_id AND b.warehouse = k.warehouse AND b.bin = k.bin`,
          params: [0, 1, 2, 3].map((i) => keys.pickBins.map((k) => k[i])),
        },
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
    ordersAfter.length === 0
      ? undefined
      : {
          // placed_at as apply leaves it: written with the row, never updated.
          sql: `INSERT INTO ${s}.orders AS o (order_id, status, placed_at, state, position)
                SELECT k.order_id, k.status, k.placed_at, k.state::jsonb, k.position
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS k(order_id, status, placed_at, state, position)
                ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state, position = EXCLUDED.position`,
          params: [
            ordersAfter.map((r) => r.orderId),
            ordersAfter.map((r) => orderStatus(r.state)),
            ordersAfter.map((r) => r.placedAt),
            ordersAfter.map((r) => JSON.stringify(r.state)),
            ordersAfter.map((r) => r.position),
          ],
        },
    kept.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.order_pick_bins AS b (order_id, allocation_line_id, warehouse, bin, line_id, quantity)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
                ON CONFLICT (order_id, allocation_line_id, warehouse, bin) DO UPDATE SET quantity = EXCLUDED.quantity`,
          params: [
            kept.map((r) => r.orderId),
            kept.map((r) => r.allocationLineId),
            kept.map((r) => r.warehouse),
            kept.map((r) => r.bin),
            kept.map((r) => r.lineId),
            kept.map((r) => r.quantity),
          ],
        },
    emptied.length === 0
      ? undefined
      : {
          sql: `DELETE FROM ${s}.order_pick_bins b USING unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(order_id, allocation_line_id, warehouse, bin)
                WHERE b.order_id = k.order_id AND b.allocation_line_id = k.allocation_line_id AND b.warehouse = k.warehouse AND b.bin = k.bin`,
          params: [emptied.map((r) => r.orderId), emptied.map((r) => r.allocationLineId), emptied.map((r) => r.warehouse), emptied.map((r) => r.bin)],
        },
  ]);
}
