import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import { readInOneRoundTrip, writeInOneStatement } from '@bintrail/projections';
import type { BinKind } from '../stock/warehouse.domain';
import { binKey, binStockBookingOf, binStockKeysOf, binStockKey, foldBinStockBatch, type BinRow, type BinStockRow } from './bin-stock-batch.domain';

type Num = string | number;

/**
 * The bin-stock projection's batch path (a rebuild folds 1,000 events a transaction): the same rows as `apply`
 * event by event, in two statements per batch (one read, one write, each a single round trip). The rows the batch touches are read once, folded in
 * memory in log order (bin-stock-batch.domain.ts, which refuses what `apply` refuses, so the rebuild then folds
 * the batch event by event and parks the event at fault), and written back once: one upsert per table, one
 * delete of the stock rows left empty. Like `apply`, it adds deltas: it relies on the checkpoint moving in the
 * same transaction (the rebuild's compare-and-set on its position) to book no event twice.
 */
export async function applyBinStockBatch(events: readonly RecordedEvent[], tx: SqlExecutor, s: string): Promise<void> {
  const bookings = events.map(binStockBookingOf);
  const keys = binStockKeysOf(bookings);
  const bins = new Map<string, BinRow>();
  const stock = new Map<string, BinStockRow>();
  const [binRows, stockRows] = (await readInOneRoundTrip(tx, [
    keys.bins.length === 0
      ? undefined
      : {
          sql: `SELECT b.warehouse, b.bin, b.kind, b.zone, b.capacity, b.waiting_for_count
                FROM unnest($1::text[], $2::text[]) AS k(warehouse, bin) JOIN ${s}.warehouse_bins b ON b.warehouse = k.warehouse AND b.bin = k.bin`,
          params: [keys.bins.map((k) => k[0]), keys.bins.map((k) => k[1])],
        },
    keys.stock.length === 0
      ? undefined
      : {
          sql: `SELECT b.warehouse, b.bin, b.sku, b.on_hand, b.allocated, b.position
                FROM unnest($1::text[], $2::text[], $3::text[]) AS k(warehouse, bin, sku) JOIN ${s}.warehouse_bin_stock b ON b.warehouse = k.warehouse AND b.bin = k.bin AND b.sku = k.sku`,
          params: [keys.stock.map((k) => k[0]), keys.stock.map((k) => k[1]), keys.stock.map((k) => k[2])],
        },
  ])) as [
    { warehouse: string; bin: string; kind: BinKind; zone: string | null; capacity: Num | null; waiting_for_count: boolean }[],
    { warehouse: string; bin: string; sku: string; on_hand: Num; allocated: Num; position: Num }[],
  ];
  for (const r of binRows) {
    const row = { warehouse: r.warehouse, bin: r.bin, kind: r.kind, zone: r.zone, capacity: r.capacity === null ? null : Number(r.capacity), waitingForCount: r.waiting_for_count };
    bins.set(binKey(r.warehouse, r.bin), row);
  }
  for (const r of stockRows) {
    const row = { warehouse: r.warehouse, bin: r.bin, sku: r.sku, onHand: Number(r.on_hand), allocated: Number(r.allocated), position: Number(r.position) };
    stock.set(binStockKey(r.warehouse, r.bin, r.sku), row);
  }

  const after = foldBinStockBatch(bookings, { bins, stock });

  const binsAfter = [...after.bins.values()];
  const kept = [...after.stock.values()].filter((r): r is BinStockRow => r !== undefined);
  const emptied = [...after.stock.keys()].filter((key) => after.stock.get(key) === undefined).map((key) => stock.get(key)!);
  // Kept and emptied stock rows are different keys: the upsert and the delete never meet in the one statement.
  await writeInOneStatement(tx, [
    binsAfter.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.warehouse_bins (warehouse, bin, kind, zone, capacity, waiting_for_count)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::boolean[])
                ON CONFLICT (warehouse, bin) DO UPDATE SET waiting_for_count = EXCLUDED.waiting_for_count`,
          params: [binsAfter.map((r) => r.warehouse), binsAfter.map((r) => r.bin), binsAfter.map((r) => r.kind), binsAfter.map((r) => r.zone), binsAfter.map((r) => r.capacity), binsAfter.map((r) => r.waitingForCount)],
        },
    kept.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.warehouse_bin_stock (warehouse, bin, sku, on_hand, allocated, position)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
                ON CONFLICT (warehouse, bin, sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, allocated = EXCLUDED.allocated, position = EXCLUDED.position`,
          params: [kept.map((r) => r.warehouse), kept.map((r) => r.bin), kept.map((r) => r.sku), kept.map((r) => r.onHand), kept.map((r) => r.allocated), kept.map((r) => r.position)],
        },
    emptied.length === 0
      ? undefined
      : {
          sql: `DELETE FROM ${s}.warehouse_bin_stock b USING unnest($1::text[], $2::text[], $3::text[]) AS k(warehouse, bin, sku)
                WHERE b.warehouse = k.warehouse AND b.bin = k.bin AND b.sku = k.sku`,
          params: [emptied.map((r) => r.warehouse), emptied.map((r) => r.bin), emptied.map((r) => r.sku)],
        },
  ]);
}
