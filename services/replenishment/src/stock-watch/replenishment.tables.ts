import type { SqlExecutor } from '@bintrail/event-store';
import type { ReorderPoint, ReplenishmentState, Suggestion } from './replenishment.domain';
import { stockLevels, type BinLayout, type StockLevels, type WarehouseLayout } from './warehouse-stock.domain';

/**
 * Replenishment's own tables, in the store's schema, written only in the subscriber's transaction (with its
 * inbox row and checkpoint): bin kinds and zones per warehouse, and the state of each (warehouse, SKU).
 */
export async function createReplenishmentTables(db: SqlExecutor, schema: string): Promise<void> {
  const s = quoted(schema);
  await db.exec(`
    CREATE TABLE IF NOT EXISTS ${s}.replenishment_layout (
      warehouse text NOT NULL,
      bin text NOT NULL,
      kind text NOT NULL,
      zone text,
      PRIMARY KEY (warehouse, bin)
    );
    CREATE TABLE IF NOT EXISTS ${s}.replenishment_stock (
      warehouse text NOT NULL,
      sku text NOT NULL,
      state jsonb NOT NULL,
      -- Bumped by every write: two events of one SKU handled at once cannot both win (the loser is retried).
      version bigint NOT NULL,
      position bigint NOT NULL,
      PRIMARY KEY (warehouse, sku)
    );
    -- How far each warehouse's stream has been handled (its stream position): see the handler's deferral rule.
    CREATE TABLE IF NOT EXISTS ${s}.replenishment_warehouse_seen (
      warehouse text PRIMARY KEY,
      stream_position bigint NOT NULL
    );`);
}

const quoted = (schema: string): string => `"${schema.replace(/"/g, '""')}"`;

export async function saveLayout(tx: SqlExecutor, schema: string, warehouse: string, layout: WarehouseLayout): Promise<void> {
  for (const [bin, { kind, zone }] of Object.entries(layout)) {
    await tx.query(
      `INSERT INTO ${quoted(schema)}.replenishment_layout (warehouse, bin, kind, zone) VALUES ($1, $2, $3, $4)
       ON CONFLICT (warehouse, bin) DO UPDATE SET kind = EXCLUDED.kind, zone = EXCLUDED.zone`,
      [warehouse, bin, kind, zone],
    );
  }
}

export async function loadLayout(db: SqlExecutor, schema: string, warehouse: string): Promise<WarehouseLayout> {
  const { rows } = await db.query<{ bin: string; kind: BinLayout['kind']; zone: string | null }>(`SELECT bin, kind, zone FROM ${quoted(schema)}.replenishment_layout WHERE warehouse = $1`, [warehouse]);
  return Object.fromEntries(rows.map((r) => [r.bin, { kind: r.kind, zone: r.zone }]));
}

/** The warehouse stream is handled in order (one stream, one partition): this is how far, 0 before its first event. */
export async function warehouseSeen(db: SqlExecutor, schema: string, warehouse: string): Promise<number> {
  const { rows } = await db.query<{ stream_position: string }>(`SELECT stream_position FROM ${quoted(schema)}.replenishment_warehouse_seen WHERE warehouse = $1`, [warehouse]);
  return rows[0] ? Number(rows[0].stream_position) : 0;
}

export async function markWarehouseSeen(tx: SqlExecutor, schema: string, warehouse: string, streamPosition: number): Promise<void> {
  await tx.query(
    `INSERT INTO ${quoted(schema)}.replenishment_warehouse_seen AS w (warehouse, stream_position) VALUES ($1, $2)
     ON CONFLICT (warehouse) DO UPDATE SET stream_position = GREATEST(w.stream_position, EXCLUDED.stream_position)`,
    [warehouse, streamPosition],
  );
}

export interface StoredState {
  readonly state: ReplenishmentState;
  readonly version: number;
}

export async function loadState(db: SqlExecutor, schema: string, warehouse: string, sku: string): Promise<StoredState | undefined> {
  const { rows } = await db.query<{ state: ReplenishmentState; version: string }>(`SELECT state, version FROM ${quoted(schema)}.replenishment_stock WHERE warehouse = $1 AND sku = $2`, [warehouse, sku]);
  return rows[0] ? { state: rows[0].state, version: Number(rows[0].version) } : undefined;
}

/** Another transaction changed the row since it was read: the subscriber retries the event on fresh state. */
export class ConcurrentReplenishmentChange extends Error {
  override readonly name = 'ConcurrentReplenishmentChange';
}

export async function saveState(tx: SqlExecutor, schema: string, key: { warehouse: string; sku: string }, state: ReplenishmentState, readVersion: number | undefined, position: number): Promise<void> {
  const params = [key.warehouse, key.sku, JSON.stringify(state), position];
  const { rows } =
    readVersion === undefined
      ? await tx.query(`INSERT INTO ${quoted(schema)}.replenishment_stock (warehouse, sku, state, version, position) VALUES ($1, $2, $3::jsonb, 1, $4) ON CONFLICT DO NOTHING RETURNING 1`, params)
      : await tx.query(
          `UPDATE ${quoted(schema)}.replenishment_stock SET state = $3::jsonb, version = version + 1, position = GREATEST(position, $4) WHERE warehouse = $1 AND sku = $2 AND version = $5 RETURNING 1`,
          [...params, readVersion],
        );
  if (rows.length === 0) throw new ConcurrentReplenishmentChange(`${key.sku} in ${key.warehouse} changed while this event was handled`);
}

export interface ReplenishmentView {
  readonly warehouse: string;
  readonly sku: string;
  readonly reorderPoint: ReorderPoint | null;
  readonly levels: StockLevels;
  /** Units per bin: on hand and allocated. */
  readonly bins: ReplenishmentState['bins'];
  readonly openSuggestion: Suggestion | null;
  /** Global position of the last event this view includes. */
  readonly position: number;
}

interface ViewRow {
  warehouse: string;
  sku: string;
  state: ReplenishmentState;
  position: string;
}

/** Pairs with an open suggestion (or every tracked pair with `openOnly: false`), filtered by warehouse and SKU when given; at most 1000. */
export async function replenishmentViews(db: SqlExecutor, schema: string, filter: { warehouse?: string; sku?: string; openOnly: boolean }): Promise<ReplenishmentView[]> {
  const { rows } = await db.query<ViewRow>(
    `SELECT warehouse, sku, state, position FROM ${quoted(schema)}.replenishment_stock
     WHERE ($1::text IS NULL OR warehouse = $1) AND ($2::text IS NULL OR sku = $2) AND (NOT $3::boolean OR state->'open' <> 'null'::jsonb)
     ORDER BY warehouse COLLATE "C", sku COLLATE "C" LIMIT 1000`,
    [filter.warehouse ?? null, filter.sku ?? null, filter.openOnly],
  );
  const layouts = new Map<string, WarehouseLayout>();
  for (const warehouse of new Set(rows.map((r) => r.warehouse))) layouts.set(warehouse, await loadLayout(db, schema, warehouse));
  return rows.map((r) => ({
    warehouse: r.warehouse,
    sku: r.sku,
    reorderPoint: r.state.reorderPoint,
    levels: stockLevels(r.state.bins, layouts.get(r.warehouse)!),
    bins: r.state.bins,
    openSuggestion: r.state.open,
    position: Number(r.position),
  }));
}
