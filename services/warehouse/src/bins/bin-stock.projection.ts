import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import type { Projection } from '@bintrail/projections';
import { compareCodes, WAREHOUSE_EVENT_TYPES, type Bin, type BinKind, type WarehouseEvent } from '../stock/warehouse.domain';
import { binChanges, warehouseOfStream, type BinChange } from './bin-changes.domain';
import { applyBinStockBatch } from './bin-stock-batch';

/**
 * Bin-level stock of every warehouse: its bins (`warehouse_bins`) and the units of each SKU in each
 * bin (`warehouse_bin_stock`; a SKU with nothing on hand and nothing allocated in a bin has no row).
 */
export const binStockProjection: Projection = {
  name: 'warehouse-bin-stock',
  types: WAREHOUSE_EVENT_TYPES,
  migrations: [
    {
      version: 1,
      name: 'bins and the units of each SKU in them',
      sql: (s) => `
        CREATE TABLE ${s}.warehouse_bins (
          warehouse text NOT NULL,
          bin text NOT NULL,
          kind text NOT NULL,
          zone text,
          capacity bigint,
          waiting_for_count boolean NOT NULL DEFAULT false,
          PRIMARY KEY (warehouse, bin)
        );
        CREATE TABLE ${s}.warehouse_bin_stock (
          warehouse text NOT NULL,
          bin text NOT NULL,
          sku text NOT NULL,
          on_hand bigint NOT NULL,
          allocated bigint NOT NULL,
          position bigint NOT NULL,
          PRIMARY KEY (warehouse, bin, sku)
        );
        CREATE INDEX warehouse_bin_stock_sku_idx ON ${s}.warehouse_bin_stock (warehouse, sku);`,
    },
  ],
  async apply(recorded: RecordedEvent, tx: SqlExecutor, s: string): Promise<void> {
    const event = recorded as unknown as WarehouseEvent & RecordedEvent;
    const warehouse = warehouseOfStream(recorded.streamId);
    switch (event.type) {
      case 'warehouse.WarehouseCreated':
        for (const bin of event.data.bins) await addBin(tx, s, warehouse, bin);
        return;
      case 'warehouse.BinAdded':
        return addBin(tx, s, warehouse, event.data);
      case 'warehouse.PickShorted':
        await tx.query(`UPDATE ${s}.warehouse_bins SET waiting_for_count = true WHERE warehouse = $1 AND bin = $2`, [warehouse, event.data.bin]);
        break;
      case 'warehouse.BinCounted':
        await tx.query(`UPDATE ${s}.warehouse_bins SET waiting_for_count = false WHERE warehouse = $1 AND bin = $2`, [warehouse, event.data.bin]);
        break;
      default:
        break;
    }
    await bookChanges(tx, s, warehouse, binChanges(event), recorded.globalPosition);
  },
  applyBatch: applyBinStockBatch,
};

async function addBin(tx: SqlExecutor, s: string, warehouse: string, bin: Bin): Promise<void> {
  await tx.query(
    `INSERT INTO ${s}.warehouse_bins (warehouse, bin, kind, zone, capacity) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [warehouse, bin.code, bin.kind, bin.zone ?? null, bin.capacity ?? null],
  );
}

/** One upsert for all (bin, SKU) rows of the event, then rows left with nothing go. */
async function bookChanges(tx: SqlExecutor, s: string, warehouse: string, changes: readonly BinChange[], position: number): Promise<void> {
  if (changes.length === 0) return;
  const params: unknown[] = [warehouse, position];
  const rows = changes.map((c) => {
    params.push(c.bin, c.sku, c.onHand, c.allocated);
    const n = params.length;
    return `($1, $${n - 3}, $${n - 2}, $${n - 1}::bigint, $${n}::bigint, $2::bigint)`;
  });
  const { rows: after } = await tx.query<{ bin: string; sku: string; on_hand: string | number; allocated: string | number }>(
    `INSERT INTO ${s}.warehouse_bin_stock AS b (warehouse, bin, sku, on_hand, allocated, position) VALUES ${rows.join(', ')}
     ON CONFLICT (warehouse, bin, sku) DO UPDATE
       SET on_hand = b.on_hand + EXCLUDED.on_hand, allocated = b.allocated + EXCLUDED.allocated, position = EXCLUDED.position
     RETURNING b.bin, b.sku, b.on_hand, b.allocated`,
    params,
  );
  // The stream never lets a bin go below zero nor allocate more than it holds: a read model that would is broken,
  // and says so (the event is retried, then parked and shown by GET /status). Not a CHECK constraint: PostgreSQL
  // checks those on the row of deltas about to be inserted, before ON CONFLICT turns it into an update.
  const broken = after.find((r) => Number(r.on_hand) < 0 || Number(r.allocated) < 0 || Number(r.allocated) > Number(r.on_hand));
  if (broken) throw new Error(`bin ${broken.bin} of ${warehouse} would hold ${broken.on_hand} units of ${broken.sku}, ${broken.allocated} allocated`);
  for (const emptied of after.filter((r) => Number(r.on_hand) === 0 && Number(r.allocated) === 0)) {
    await tx.query(`DELETE FROM ${s}.warehouse_bin_stock WHERE warehouse = $1 AND bin = $2 AND sku = $3`, [warehouse, emptied.bin, emptied.sku]);
  }
}

export interface BinView {
  readonly warehouse: string;
  readonly bin: string;
  readonly kind: BinKind;
  readonly zone?: string;
  readonly capacity?: number;
  /** Units of every SKU in the bin. */
  readonly units: number;
  /** A short pick found units missing here: nothing is allocated from the bin until it is counted. */
  readonly waitingForCount: boolean;
  readonly skus: readonly { readonly sku: string; readonly onHand: number; readonly allocated: number; readonly available: number }[];
}

/** The bin and what it holds, or which of the two is unknown (every warehouse has a DOCK: no DOCK, no warehouse). */
export async function findBin(db: SqlExecutor, s: string, warehouse: string, bin: string): Promise<BinView | { missing: 'warehouse' | 'bin' }> {
  const { rows: bins } = await db.query<{ bin: string; kind: BinKind; zone: string | null; capacity: string | null; waiting_for_count: boolean }>(
    `SELECT bin, kind, zone, capacity, waiting_for_count FROM ${s}.warehouse_bins WHERE warehouse = $1 AND bin IN ($2, 'DOCK')`,
    [warehouse, bin],
  );
  const found = bins.find((b) => b.bin === bin);
  if (!found) return { missing: bins.length === 0 ? 'warehouse' : 'bin' };
  const { rows } = await db.query<{ sku: string; on_hand: string; allocated: string }>(
    `SELECT sku, on_hand, allocated FROM ${s}.warehouse_bin_stock WHERE warehouse = $1 AND bin = $2`,
    [warehouse, bin],
  );
  const skus = rows
    .map((r) => ({ sku: r.sku, onHand: Number(r.on_hand), allocated: Number(r.allocated), available: Number(r.on_hand) - Number(r.allocated) }))
    .sort((a, b) => compareCodes(a.sku, b.sku));
  return {
    warehouse,
    bin,
    kind: found.kind,
    ...(found.zone === null ? {} : { zone: found.zone }),
    ...(found.capacity === null ? {} : { capacity: Number(found.capacity) }),
    units: skus.reduce((sum, x) => sum + x.onHand, 0),
    waitingForCount: found.waiting_for_count,
    skus,
  };
}
