import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import { readInOneRoundTrip, writeInOneStatement } from '@bintrail/projections';
import { binKey, foldStockBatch, stockBookingOf, stockKeysOf, totalsKey, type BackOrderRow, type BinRow, type TotalsRow } from './stock-batch.domain';

type Num = string | number;

/**
 * The stock projection's batch path (a rebuild folds 1,000 events a transaction): the same rows as `apply`
 * event by event, in two statements per batch (one read, one write, each a single round trip). The rows the batch touches are read once, folded in
 * memory in log order (stock-batch.domain.ts, which refuses what `apply` refuses, so the rebuild then folds the
 * batch event by event and parks the event at fault), and written back once: one upsert per table, one delete
 * of the bin rows left empty. Like `apply`, it adds deltas: it relies on the checkpoint moving in the same
 * transaction (the rebuild's compare-and-set on its position) to book no event twice.
 */
export async function applyStockBatch(events: readonly RecordedEvent[], tx: SqlExecutor, s: string): Promise<void> {
  const bookings = events.map(stockBookingOf);
  const keys = stockKeysOf(bookings);
  const [totals, bins, backOrders] = [new Map<string, TotalsRow>(), new Map<string, BinRow>(), new Map<string, BackOrderRow>()];
  const [totalRows, binRows, backOrderRows] = (await readInOneRoundTrip(tx, [
    keys.totals.length === 0
      ? undefined
      : {
          sql: `SELECT t.sku, t.warehouse, t.on_hand, t.reserved, t.in_transit, t.back_ordered, t.position
                FROM unnest($1::text[], $2::text[]) AS k(sku, warehouse) JOIN ${s}.inventory_stock t ON t.sku = k.sku AND t.warehouse = k.warehouse`,
          params: [keys.totals.map((k) => k[0]), keys.totals.map((k) => k[1])],
        },
    keys.bins.length === 0
      ? undefined
      : {
          sql: `SELECT b.sku, b.warehouse, b.bin, b.on_hand, b.reserved, b.position
                FROM unnest($1::text[], $2::text[], $3::text[]) AS k(sku, warehouse, bin) JOIN ${s}.inventory_bin_stock b ON b.sku = k.sku AND b.warehouse = k.warehouse AND b.bin = k.bin`,
          params: [keys.bins.map((k) => k[0]), keys.bins.map((k) => k[1]), keys.bins.map((k) => k[2])],
        },
    keys.backOrders.length === 0
      ? undefined
      : { sql: `SELECT b.sku, b.quantity, b.position FROM unnest($1::text[]) AS k(sku) JOIN ${s}.inventory_back_orders b ON b.sku = k.sku`, params: [keys.backOrders] },
  ])) as [
    { sku: string; warehouse: string; on_hand: Num; reserved: Num; in_transit: Num; back_ordered: Num; position: Num }[],
    { sku: string; warehouse: string; bin: string; on_hand: Num; reserved: Num; position: Num }[],
    { sku: string; quantity: Num; position: Num }[],
  ];
  for (const r of totalRows) {
    const row = { sku: r.sku, warehouse: r.warehouse, onHand: Number(r.on_hand), reserved: Number(r.reserved), inTransit: Number(r.in_transit), backOrdered: Number(r.back_ordered), position: Number(r.position) };
    totals.set(totalsKey(r.sku, r.warehouse), row);
  }
  for (const r of binRows) bins.set(binKey(r.sku, r.warehouse, r.bin), { sku: r.sku, warehouse: r.warehouse, bin: r.bin, onHand: Number(r.on_hand), reserved: Number(r.reserved), position: Number(r.position) });
  for (const r of backOrderRows) backOrders.set(r.sku, { sku: r.sku, quantity: Number(r.quantity), position: Number(r.position) });

  const after = foldStockBatch(bookings, { totals, bins, backOrders });

  const totalsAfter = [...after.totals.values()];
  const kept = [...after.bins.values()].filter((r): r is BinRow => r !== undefined);
  const emptied = [...after.bins.keys()].filter((key) => after.bins.get(key) === undefined).map((key) => bins.get(key)!);
  const backOrdersAfter = [...after.backOrders.values()];
  // Kept and emptied bin rows are different keys: the upsert and the delete never meet in the one statement.
  await writeInOneStatement(tx, [
    totalsAfter.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.inventory_stock AS t (sku, warehouse, on_hand, reserved, in_transit, back_ordered, position)
                SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
                ON CONFLICT (sku, warehouse) DO UPDATE SET on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved, in_transit = EXCLUDED.in_transit,
                  back_ordered = EXCLUDED.back_ordered, position = EXCLUDED.position`,
          params: [
            totalsAfter.map((r) => r.sku),
            totalsAfter.map((r) => r.warehouse),
            totalsAfter.map((r) => r.onHand),
            totalsAfter.map((r) => r.reserved),
            totalsAfter.map((r) => r.inTransit),
            totalsAfter.map((r) => r.backOrdered),
            totalsAfter.map((r) => r.position),
          ],
        },
    kept.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.inventory_bin_stock AS b (sku, warehouse, bin, on_hand, reserved, position)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
                ON CONFLICT (sku, warehouse, bin) DO UPDATE SET on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved, position = EXCLUDED.position`,
          params: [kept.map((r) => r.sku), kept.map((r) => r.warehouse), kept.map((r) => r.bin), kept.map((r) => r.onHand), kept.map((r) => r.reserved), kept.map((r) => r.position)],
        },
    emptied.length === 0
      ? undefined
      : {
          sql: `DELETE FROM ${s}.inventory_bin_stock b USING unnest($1::text[], $2::text[], $3::text[]) AS k(sku, warehouse, bin)
                WHERE b.sku = k.sku AND b.warehouse = k.warehouse AND b.bin = k.bin`,
          params: [emptied.map((r) => r.sku), emptied.map((r) => r.warehouse), emptied.map((r) => r.bin)],
        },
    backOrdersAfter.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.inventory_back_orders AS b (sku, quantity, position) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
                ON CONFLICT (sku) DO UPDATE SET quantity = EXCLUDED.quantity, position = EXCLUDED.position`,
          params: [backOrdersAfter.map((r) => r.sku), backOrdersAfter.map((r) => r.quantity), backOrdersAfter.map((r) => r.position)],
        },
  ]);
}
