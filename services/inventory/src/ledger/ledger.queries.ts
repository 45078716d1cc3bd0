import type { SqlExecutor } from '@bintrail/event-store';
import type { SkuStock, WarehouseStock } from '../stock/stock.projection';
import { NO_WAREHOUSE, type AsOf, type Figure, type MovementKind } from './movements.domain';

/** The point an as-of answer was computed at: always a log position; the time too when one was asked for. */
export interface ResolvedAsOf {
  readonly position: number;
  readonly time?: string;
}

/**
 * A time → the position of the last ledger row that occurred at or before it (0 before the first one).
 * Positions order the answer: with clocks that agree, every event up to that position occurred by then.
 */
export async function resolveAsOf(db: SqlExecutor, s: string, asOf: AsOf): Promise<ResolvedAsOf> {
  if ('position' in asOf) return { position: asOf.position };
  const { rows } = await db.query<{ position: string | null }>(
    `SELECT GREATEST(
       (SELECT global_position FROM ${s}.inventory_stock_ledger WHERE occurred_at <= $1 ORDER BY occurred_at DESC, global_position DESC LIMIT 1),
       (SELECT global_position FROM ${s}.inventory_figure_ledger WHERE occurred_at <= $1 ORDER BY occurred_at DESC, global_position DESC LIMIT 1)
     ) AS position`,
    [asOf.time.toISOString()],
  );
  return { position: Number(rows[0]?.position ?? 0), time: asOf.time.toISOString() };
}

/**
 * The SKU's totals as they were at `position`, in the shape of the live GET /inventory/:sku: on hand per
 * warehouse is the sum of the latest balance of each of its bins, the other figures their latest balance.
 * Undefined when the item master does not know the SKU and the ledger never saw it.
 */
export async function stockAsOf(db: SqlExecutor, s: string, sku: string, position: number): Promise<SkuStock | undefined> {
  const { rows: bins } = await db.query<{ warehouse: string; on_hand: string }>(
    `SELECT k.warehouse, sum(b.balance) AS on_hand
     FROM ${s}.inventory_stock_ledger_keys k
     CROSS JOIN LATERAL (
       SELECT l.balance FROM ${s}.inventory_stock_ledger l
       WHERE l.warehouse = k.warehouse AND l.bin = k.bin AND l.sku = k.sku AND l.global_position <= $2
       ORDER BY l.global_position DESC LIMIT 1
     ) b
     WHERE k.sku = $1 GROUP BY k.warehouse`,
    [sku, position],
  );
  const { rows: figures } = await db.query<{ warehouse: string; figure: Figure; balance: string }>(
    `SELECT k.warehouse, k.figure, b.balance
     FROM ${s}.inventory_figure_ledger_keys k
     CROSS JOIN LATERAL (
       SELECT l.balance FROM ${s}.inventory_figure_ledger l
       WHERE l.sku = k.sku AND l.warehouse = k.warehouse AND l.figure = k.figure AND l.global_position <= $2
       ORDER BY l.global_position DESC LIMIT 1
     ) b
     WHERE k.sku = $1`,
    [sku, position],
  );
  if (bins.length === 0 && figures.length === 0) {
    const { rows } = await db.query<{ known: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${s}.inventory_items WHERE sku = $1)
           OR EXISTS (SELECT 1 FROM ${s}.inventory_stock_ledger_keys WHERE sku = $1)
           OR EXISTS (SELECT 1 FROM ${s}.inventory_figure_ledger_keys WHERE sku = $1) AS known`,
      [sku],
    );
    if (!rows[0]!.known) return undefined;
  }

  const byWarehouse = new Map<string, { onHand: number; reserved: number; inTransit: number }>();
  const of = (warehouse: string) => byWarehouse.get(warehouse) ?? byWarehouse.set(warehouse, { onHand: 0, reserved: 0, inTransit: 0 }).get(warehouse)!;
  for (const b of bins) of(b.warehouse).onHand += Number(b.on_hand);
  let backOrdered = 0;
  for (const f of figures) {
    if (f.figure === 'backOrdered') backOrdered += Number(f.balance);
    else if (f.warehouse !== NO_WAREHOUSE) of(f.warehouse)[f.figure] += Number(f.balance);
  }
  // As the live answer: warehouses in code-point order, those with nothing at all left out.
  const warehouses: WarehouseStock[] = [...byWarehouse.entries()]
    .filter(([, w]) => w.onHand !== 0 || w.reserved !== 0 || w.inTransit !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([warehouse, w]) => ({ warehouse, onHand: w.onHand, reserved: w.reserved, available: w.onHand - w.reserved, inTransit: w.inTransit }));
  const onHand = warehouses.reduce((n, w) => n + w.onHand, 0);
  const reserved = warehouses.reduce((n, w) => n + w.reserved, 0);
  const inTransit = warehouses.reduce((n, w) => n + w.inTransit, 0);
  return { sku, onHand, reserved, available: onHand - reserved, inTransit, backOrdered, warehouses };
}

export interface LedgerMovement {
  readonly globalPosition: number;
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly warehouse: string;
  readonly bin: string;
  readonly kind: MovementKind;
  readonly delta: number;
  /** Units of the SKU in the bin after this movement. */
  readonly balance: number;
  readonly correlationId: string | null;
  readonly actor: string | null;
}

export interface LedgerFilter {
  readonly warehouse?: string;
  readonly bin?: string;
  /** Inclusive bounds: a position bounds the global position, a time the time the event occurred. */
  readonly from?: AsOf;
  readonly to?: AsOf;
  readonly limit: number;
}

/** The SKU's bin movements in log order (within an event, units out before units in), at most `limit`; `nextFrom` (a position) continues after the last one, null at the end. */
export async function movementsOfSku(db: SqlExecutor, s: string, sku: string, filter: LedgerFilter): Promise<{ movements: LedgerMovement[]; nextFrom: number | null }> {
  const params: unknown[] = [sku];
  const where = ['sku = $1'];
  const add = (condition: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (filter.warehouse !== undefined) add((p) => `warehouse = ${p}`, filter.warehouse);
  if (filter.bin !== undefined) add((p) => `bin = ${p}`, filter.bin);
  const bound = (asOf: AsOf, op: '>=' | '<=') =>
    'position' in asOf ? add((p) => `global_position ${op} ${p}`, asOf.position) : add((p) => `occurred_at ${op} ${p}`, asOf.time.toISOString());
  if (filter.from) bound(filter.from, '>=');
  if (filter.to) bound(filter.to, '<=');
  params.push(filter.limit + 1);
  const { rows } = await db.query<{
    global_position: string;
    event_id: string;
    event_type: string;
    occurred_at: Date | string;
    warehouse: string;
    bin: string;
    kind: MovementKind;
    delta: string;
    balance: string;
    correlation_id: string | null;
    actor: string | null;
  }>(
    `SELECT global_position, event_id, event_type, occurred_at, warehouse, bin, kind, delta, balance, correlation_id, actor
     FROM ${s}.inventory_stock_ledger WHERE ${where.join(' AND ')}
     ORDER BY global_position, delta, warehouse COLLATE "C", bin COLLATE "C" LIMIT $${params.length}`,
    params,
  );
  const movements = rows.map((r) => ({
    globalPosition: Number(r.global_position),
    eventId: r.event_id,
    type: r.event_type,
    occurredAt: new Date(r.occurred_at).toISOString(),
    warehouse: r.warehouse,
    bin: r.bin,
    kind: r.kind,
    delta: Number(r.delta),
    balance: Number(r.balance),
    correlationId: r.correlation_id,
    actor: r.actor,
  }));
  if (movements.length <= filter.limit) return { movements, nextFrom: null };
  // Never split one event's rows across pages: the page ends before the event the extra row belongs to.
  const cut = movements[filter.limit]!.globalPosition;
  // (limit ≥ 10 and one event moves a SKU in at most two bins, so the page is never empty.)
  return { movements: movements.filter((m) => m.globalPosition < cut), nextFrom: cut };
}
