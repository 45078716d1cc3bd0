import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import { column, deleteRows, readInOneRoundTrip, rowsByKey, upsertRows, writeInOneStatement, type Column } from '@bintrail/projections';
import type { BinKind } from '../stock/warehouse.domain';
import { binKey, binStockBookingOf, binStockKeysOf, binStockKey, foldBinStockBatch, type BinRow, type BinStockRow } from './bin-stock-batch.domain';

type Num = string | number;

const warehouse = column('warehouse', 'text', (k: { readonly warehouse: string }) => k.warehouse);
const bin = column('bin', 'text', (k: { readonly bin: string }) => k.bin);
const binKeyColumns = [warehouse, bin];
const stockKeyColumns = [warehouse, bin, column('sku', 'text', (k: { readonly sku: string }) => k.sku)];
const binColumns: Column<BinRow>[] = [
  ...binKeyColumns,
  column('kind', 'text', (r: BinRow) => r.kind),
  column('zone', 'text', (r: BinRow) => r.zone),
  column('capacity', 'bigint', (r: BinRow) => r.capacity),
  column('waiting_for_count', 'boolean', (r: BinRow) => r.waitingForCount),
];
const stockColumns: Column<BinStockRow>[] = [
  ...stockKeyColumns,
  column('on_hand', 'bigint', (r: BinStockRow) => r.onHand),
  column('allocated', 'bigint', (r: BinStockRow) => r.allocated),
  column('position', 'bigint', (r: BinStockRow) => r.position),
];

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
    rowsByKey(`${s}.warehouse_bins`, ['warehouse', 'bin', 'kind', 'zone', 'capacity', 'waiting_for_count'], binKeyColumns, keys.bins.map(([code, binCode]) => ({ warehouse: code, bin: binCode }))),
    rowsByKey(`${s}.warehouse_bin_stock`, ['warehouse', 'bin', 'sku', 'on_hand', 'allocated', 'position'], stockKeyColumns, keys.stock.map(([code, binCode, sku]) => ({ warehouse: code, bin: binCode, sku }))),
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
    upsertRows(`${s}.warehouse_bins`, binColumns, binsAfter, { key: ['warehouse', 'bin'], update: ['waiting_for_count'] }),
    upsertRows(`${s}.warehouse_bin_stock`, stockColumns, kept, { key: ['warehouse', 'bin', 'sku'], update: ['on_hand', 'allocated', 'position'] }),
    deleteRows(`${s}.warehouse_bin_stock`, stockKeyColumns, emptied),
  ]);
}
