import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import { column, deleteRows, readInOneRoundTrip, rowsByKey, upsertRows, writeInOneStatement, type Column } from '@bintrail/projections';
import { binKey, foldStockBatch, stockBookingOf, stockKeysOf, totalsKey, type BackOrderRow, type BinRow, type TotalsRow } from './stock-batch.domain';

type Num = string | number;

const sku = column('sku', 'text', (k: { readonly sku: string }) => k.sku);
const warehouse = column('warehouse', 'text', (k: { readonly warehouse: string }) => k.warehouse);
const bin = column('bin', 'text', (k: { readonly bin: string }) => k.bin);
const position = column('position', 'bigint', (r: { readonly position: number }) => r.position);
const totalsKeyColumns = [sku, warehouse];
const totalsColumns: Column<TotalsRow>[] = [
  ...totalsKeyColumns,
  column('on_hand', 'bigint', (r: TotalsRow) => r.onHand),
  column('reserved', 'bigint', (r: TotalsRow) => r.reserved),
  column('in_transit', 'bigint', (r: TotalsRow) => r.inTransit),
  column('back_ordered', 'bigint', (r: TotalsRow) => r.backOrdered),
  position,
];
const binKeyColumns = [sku, warehouse, bin];
const binColumns: Column<BinRow>[] = [...binKeyColumns, column('on_hand', 'bigint', (r: BinRow) => r.onHand), column('reserved', 'bigint', (r: BinRow) => r.reserved), position];
const backOrderColumns: Column<BackOrderRow>[] = [sku, column('quantity', 'bigint', (r: BackOrderRow) => r.quantity), position];

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
    rowsByKey(`${s}.inventory_stock`, ['sku', 'warehouse', 'on_hand', 'reserved', 'in_transit', 'back_ordered', 'position'], totalsKeyColumns, keys.totals.map(([sku, warehouse]) => ({ sku, warehouse }))),
    rowsByKey(`${s}.inventory_bin_stock`, ['sku', 'warehouse', 'bin', 'on_hand', 'reserved', 'position'], binKeyColumns, keys.bins.map(([sku, warehouse, bin]) => ({ sku, warehouse, bin }))),
    rowsByKey(`${s}.inventory_back_orders`, ['sku', 'quantity', 'position'], [sku], keys.backOrders.map((code) => ({ sku: code }))),
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
    upsertRows(`${s}.inventory_stock`, totalsColumns, totalsAfter, { key: ['sku', 'warehouse'], update: ['on_hand', 'reserved', 'in_transit', 'back_ordered', 'position'] }),
    upsertRows(`${s}.inventory_bin_stock`, binColumns, kept, { key: ['sku', 'warehouse', 'bin'], update: ['on_hand', 'reserved', 'position'] }),
    deleteRows(`${s}.inventory_bin_stock`, binKeyColumns, emptied),
    upsertRows(`${s}.inventory_back_orders`, backOrderColumns, backOrdersAfter, { key: ['sku'], update: ['quantity', 'position'] }),
  ]);
}
