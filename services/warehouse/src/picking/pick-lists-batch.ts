import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import { column, deleteRows, readInOneRoundTrip, rowsByKey, upsertRows, writeInOneStatement, type Column } from '@bintrail/projections';
import { foldPickListsBatch, pickBinKey, pickLineKey, pickListBookingOf, pickListKeysOf, type PickBinRow, type PickLineRow, type PickListBooking } from './pick-lists-batch.domain';

type Num = string | number;

const lineKeyColumns = [
  column('warehouse', 'text', (k: { readonly warehouse: string }) => k.warehouse),
  column('order_id', 'text', (k: { readonly orderId: string }) => k.orderId),
  column('line_id', 'text', (k: { readonly lineId: string }) => k.lineId),
];
const binKeyColumns = [...lineKeyColumns, column('bin', 'text', (k: { readonly bin: string }) => k.bin)];
const lineColumns: Column<PickLineRow>[] = [
  ...lineKeyColumns,
  column('sku', 'text', (r: PickLineRow) => r.sku),
  column('requested', 'bigint', (r: PickLineRow) => r.requested),
  column('staged', 'bigint', (r: PickLineRow) => r.staged),
  column('position', 'bigint', (r: PickLineRow) => r.position),
];
const binColumns: Column<PickBinRow>[] = [...binKeyColumns, column('quantity', 'bigint', (r: PickBinRow) => r.quantity)];

/**
 * The pick-lists projection's batch path: the same rows as `apply` event by event, in two statements per batch
 * instead of two or more per event (PGlite runs one statement at a time, each a round trip). The rows the batch
 * touches are read in one round trip, folded in memory in log order (pick-lists-batch.domain.ts, which refuses
 * what `apply` refuses, so the runner then applies the batch event by event and parks the event at fault), and
 * written in one statement: one upsert per table, one delete of the bin rows left empty. Like `apply`, it relies
 * on the checkpoint moving in the same transaction to book no event twice.
 */
export async function applyPickListsBatch(events: readonly RecordedEvent[], tx: SqlExecutor, s: string): Promise<void> {
  const bookings = events.map(pickListBookingOf).filter((b): b is PickListBooking => b !== undefined);
  if (bookings.length === 0) return;
  const keys = pickListKeysOf(bookings);
  const [lineRows, binRows] = (await readInOneRoundTrip(tx, [
    rowsByKey(`${s}.warehouse_pick_lines`, ['warehouse', 'order_id', 'line_id', 'sku', 'requested', 'staged', 'position'], lineKeyColumns, keys.lines.map(([warehouse, orderId, lineId]) => ({ warehouse, orderId, lineId }))),
    rowsByKey(`${s}.warehouse_pick_bins`, ['warehouse', 'order_id', 'line_id', 'bin', 'quantity'], binKeyColumns, keys.bins.map(([warehouse, orderId, lineId, bin]) => ({ warehouse, orderId, lineId, bin }))),
  ])) as [
    { warehouse: string; order_id: string; line_id: string; sku: string; requested: Num; staged: Num; position: Num }[],
    { warehouse: string; order_id: string; line_id: string; bin: string; quantity: Num }[],
  ];
  const lines = new Map<string, PickLineRow>();
  for (const r of lineRows) {
    const row = { warehouse: r.warehouse, orderId: r.order_id, lineId: r.line_id, sku: r.sku, requested: Number(r.requested), staged: Number(r.staged), position: Number(r.position) };
    lines.set(pickLineKey(r.warehouse, r.order_id, r.line_id), row);
  }
  const bins = new Map<string, PickBinRow>();
  for (const r of binRows) bins.set(pickBinKey(r.warehouse, r.order_id, r.line_id, r.bin), { warehouse: r.warehouse, orderId: r.order_id, lineId: r.line_id, bin: r.bin, quantity: Number(r.quantity) });

  const after = foldPickListsBatch(bookings, { lines, bins });

  const linesAfter = [...after.lines.values()];
  const kept = [...after.bins.values()].filter((r): r is PickBinRow => r !== undefined);
  const emptied = [...after.bins.keys()].filter((key) => after.bins.get(key) === undefined).map((key) => bins.get(key)!);
  // Kept and emptied bin rows are different keys: the upsert and the delete never meet in the one statement.
  await writeInOneStatement(tx, [
    // sku and requested as apply leaves them: written when the line is first allocated, never updated.
    upsertRows(`${s}.warehouse_pick_lines`, lineColumns, linesAfter, { key: ['warehouse', 'order_id', 'line_id'], update: ['staged', 'position'] }),
    upsertRows(`${s}.warehouse_pick_bins`, binColumns, kept, { key: ['warehouse', 'order_id', 'line_id', 'bin'], update: ['quantity'] }),
    deleteRows(`${s}.warehouse_pick_bins`, binKeyColumns, emptied),
  ]);
}
