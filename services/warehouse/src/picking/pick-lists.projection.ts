import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from '@bintrail/projections';
import { compareCodes, type WarehouseEvent } from '../stock/warehouse.domain';
import { warehouseOfStream } from '../bins/bin-changes.domain';
import { pickListChange } from './pick-list-changes.domain';
import { applyPickListsBatch } from './pick-lists-batch';

/**
 * Pick lists: per warehouse and order, the order's allocated lines with the bins and units still to
 * pick (`warehouse_pick_bins`) and the units picked into STAGING (`warehouse_pick_lines.staged`).
 */
export const pickListsProjection: Projection = {
  name: 'warehouse-pick-lists',
  types: [
    'warehouse.StockAllocated',
    'warehouse.StockReallocated',
    'warehouse.AllocationShorted',
    'warehouse.AllocationReleased',
    'warehouse.StockPicked',
    'warehouse.PickShorted',
    'warehouse.StockDispatched',
  ] satisfies WarehouseEvent['type'][],
  migrations: [
    {
      version: 1,
      name: 'order lines allocated in a warehouse, and their bins to pick',
      sql: (s) => `
        CREATE TABLE ${s}.warehouse_pick_lines (
          warehouse text NOT NULL,
          order_id text NOT NULL,
          line_id text NOT NULL,
          sku text NOT NULL,
          requested bigint NOT NULL,
          staged bigint NOT NULL DEFAULT 0,
          position bigint NOT NULL,
          PRIMARY KEY (warehouse, order_id, line_id)
        );
        CREATE TABLE ${s}.warehouse_pick_bins (
          warehouse text NOT NULL,
          order_id text NOT NULL,
          line_id text NOT NULL,
          bin text NOT NULL,
          quantity bigint NOT NULL,
          PRIMARY KEY (warehouse, order_id, line_id, bin)
        );`,
    },
  ],
  async apply(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
    const change = pickListChange(recorded as unknown as WarehouseEvent);
    if (!change) return;
    const warehouse = warehouseOfStream(recorded.streamId);
    const key = [warehouse, change.orderId, change.lineId];
    if (change.requested !== undefined) {
      await tx.query(
        `INSERT INTO ${s}.warehouse_pick_lines (warehouse, order_id, line_id, sku, requested, position) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [...key, change.sku, change.requested, recorded.globalPosition],
      );
    }
    await tx.query(`UPDATE ${s}.warehouse_pick_lines SET staged = staged + $4, position = $5 WHERE warehouse = $1 AND order_id = $2 AND line_id = $3`, [
      ...key,
      change.staged,
      recorded.globalPosition,
    ]);
    for (const { bin, quantity } of change.toPick) {
      const { rows } = await tx.query<{ quantity: string | number }>(
        `INSERT INTO ${s}.warehouse_pick_bins AS b (warehouse, order_id, line_id, bin, quantity) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (warehouse, order_id, line_id, bin) DO UPDATE SET quantity = b.quantity + EXCLUDED.quantity RETURNING b.quantity`,
        [...key, bin, quantity],
      );
      const left = Number(rows[0]!.quantity);
      if (left < 0) throw new Error(`order ${change.orderId} line ${change.lineId} would have ${left} units to pick in bin ${bin} of ${warehouse}`);
      if (left === 0) await tx.query(`DELETE FROM ${s}.warehouse_pick_bins WHERE warehouse = $1 AND order_id = $2 AND line_id = $3 AND bin = $4`, [...key, bin]);
    }
  },
  // A live batch in two statements rather than a few per event (pick-lists-batch.ts).
  applyBatch: applyPickListsBatch,
};

export interface PickListLine {
  readonly lineId: string;
  readonly sku: string;
  readonly requested: number;
  /** Bins and units still to pick, by bin code. */
  readonly toPick: readonly { readonly bin: string; readonly quantity: number }[];
  /** Picked, waiting in STAGING for dispatch. */
  readonly staged: number;
}

export interface PickListView {
  readonly warehouse: string;
  /** A pick list is one order's lines in one warehouse: its id is the order id. */
  readonly pickListId: string;
  readonly orderId: string;
  /** Units still to pick over all lines. */
  readonly unitsToPick: number;
  readonly lines: readonly PickListLine[];
}

/** The warehouse's pick lists (orders with lines allocated there), by order id; `open` keeps only those with units left to pick. */
export async function pickLists(db: SqlExecutor, s: string, warehouse: string, options: { orderId?: string; open?: boolean } = {}): Promise<PickListView[]> {
  const { rows: lines } = await db.query<{ order_id: string; line_id: string; sku: string; requested: string; staged: string }>(
    `SELECT order_id, line_id, sku, requested, staged FROM ${s}.warehouse_pick_lines WHERE warehouse = $1 AND ($2::text IS NULL OR order_id = $2)`,
    [warehouse, options.orderId ?? null],
  );
  const { rows: bins } = await db.query<{ order_id: string; line_id: string; bin: string; quantity: string }>(
    `SELECT order_id, line_id, bin, quantity FROM ${s}.warehouse_pick_bins WHERE warehouse = $1 AND ($2::text IS NULL OR order_id = $2)`,
    [warehouse, options.orderId ?? null],
  );
  const byOrder = new Map<string, PickListLine[]>();
  for (const l of lines) {
    const toPick = bins
      .filter((b) => b.order_id === l.order_id && b.line_id === l.line_id)
      .map((b) => ({ bin: b.bin, quantity: Number(b.quantity) }))
      .sort((a, b) => compareCodes(a.bin, b.bin));
    const list = byOrder.get(l.order_id) ?? [];
    list.push({ lineId: l.line_id, sku: l.sku, requested: Number(l.requested), toPick, staged: Number(l.staged) });
    byOrder.set(l.order_id, list);
  }
  return [...byOrder.entries()]
    .map(([orderId, ls]) => ({
      warehouse,
      pickListId: orderId,
      orderId,
      unitsToPick: ls.reduce((n, l) => n + l.toPick.reduce((m, b) => m + b.quantity, 0), 0),
      lines: ls.sort((a, b) => compareCodes(a.lineId, b.lineId)),
    }))
    .filter((p) => !options.open || p.unitsToPick > 0)
    .sort((a, b) => compareCodes(a.orderId, b.orderId));
}
