import type { RecordedEvent } from '@bintrail/contracts';
import { quoteIdent, runMigrations, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';
import { ledgerProjection, stockProjection } from '@bintrail/inventory';
import { shadowSchemaOf, type Projection, type RebuildSource } from '@bintrail/projections';
import { binStockProjection } from '@bintrail/warehouse';

/** The read models stock numbers come from: replayed and compared by `verify`. */
export const AUDITED_PROJECTIONS: readonly Projection[] = [stockProjection, binStockProjection, ledgerProjection];

/** A table compared row by row: its key, and the columns that must agree (bookkeeping such as `position` left out). */
interface ComparedTable {
  readonly projection: string;
  readonly table: string;
  readonly key: readonly string[];
  readonly values: readonly string[];
}

const COMPARED: readonly ComparedTable[] = [
  { projection: stockProjection.name, table: 'inventory_stock', key: ['sku', 'warehouse'], values: ['on_hand', 'reserved', 'in_transit', 'back_ordered'] },
  { projection: stockProjection.name, table: 'inventory_bin_stock', key: ['sku', 'warehouse', 'bin'], values: ['on_hand', 'reserved'] },
  { projection: stockProjection.name, table: 'inventory_back_orders', key: ['sku'], values: ['quantity'] },
  { projection: binStockProjection.name, table: 'warehouse_bins', key: ['warehouse', 'bin'], values: ['kind', 'zone', 'capacity', 'waiting_for_count'] },
  { projection: binStockProjection.name, table: 'warehouse_bin_stock', key: ['warehouse', 'bin', 'sku'], values: ['on_hand', 'allocated'] },
  {
    projection: ledgerProjection.name,
    table: 'inventory_stock_ledger',
    key: ['global_position', 'warehouse', 'bin', 'sku'],
    values: ['event_id', 'event_type', 'occurred_at', 'kind', 'delta', 'balance', 'correlation_id', 'actor'],
  },
  { projection: ledgerProjection.name, table: 'inventory_stock_ledger_keys', key: ['sku', 'warehouse', 'bin'], values: [] },
  {
    projection: ledgerProjection.name,
    table: 'inventory_figure_ledger',
    key: ['global_position', 'warehouse', 'sku', 'figure'],
    values: ['event_id', 'event_type', 'occurred_at', 'delta', 'balance', 'correlation_id', 'actor'],
  },
  { projection: ledgerProjection.name, table: 'inventory_figure_ledger_keys', key: ['sku', 'warehouse', 'figure'], values: [] },
];

/** Differences listed per table; beyond that only counted. */
const LISTED_PER_TABLE = 200;
const MAX_CATCH_UPS = 20;

export interface RowDifference {
  readonly table: string;
  readonly key: Readonly<Record<string, string>>;
  /** `missing`: the replay has the row, the live table not; `unexpected`: the other way round. */
  readonly problem: 'differs' | 'missing' | 'unexpected';
  readonly columns: readonly { readonly column: string; readonly live: unknown; readonly replayed: unknown }[];
}

export interface InvariantViolation {
  readonly check: string;
  readonly key: Readonly<Record<string, string>>;
  readonly detail: string;
}

export interface UnfoldableEvent {
  readonly projection: string;
  readonly globalPosition: number;
  readonly type: string;
  readonly reason: string;
}

export interface VerifyReport {
  readonly agrees: boolean;
  /** The live checkpoint of each projection: the replay folded the log up to it. */
  readonly checkpoints: Readonly<Record<string, number>>;
  readonly eventsReplayed: number;
  readonly tables: readonly { readonly table: string; readonly liveRows: number; readonly replayedRows: number; readonly differences: number }[];
  readonly differences: readonly RowDifference[];
  readonly invariants: readonly InvariantViolation[];
  /** Events the replay could not fold (the live runner parks those too): history that does not add up. */
  readonly unfoldable: readonly UnfoldableEvent[];
}

export interface ReplayProgress {
  readonly position: number;
  readonly target: number;
  readonly applied: number;
  readonly eventsPerSecond: number;
}

export interface VerifyOptions {
  readonly batchSize?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

/** The audit's scratch schema: beside the live one, unique per run, dropped at the end. */
export const scratchSchemaOf = (schema: string): string => shadowSchemaOf(schema, `audit_${process.pid}_${Math.random().toString(36).slice(2, 8)}`);

/**
 * Replays the log into a scratch schema (each projection's own migrations and `apply`, up to the live
 * checkpoint of that projection), compares every table row by row with the live one, and checks the stock
 * invariants on the live tables. The comparison reads the live tables and checkpoints in one snapshot; if a
 * running platform moved a checkpoint past the replay meanwhile, the replay catches up and compares again.
 */
export async function verifyStock(source: RebuildSource, schema: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const db = source.db;
  const live = quoteIdent(schema);
  const scratch = scratchSchemaOf(schema);
  const sc = quoteIdent(scratch);
  const batchSize = options.batchSize ?? 1_000;
  const replayed = new Map(AUDITED_PROJECTIONS.map((p) => [p.name, 0]));
  const unfoldable: UnfoldableEvent[] = [];
  const startedAt = Date.now();
  let applied = 0;

  /** Folds the log into the scratch tables until each projection reached its target position. */
  const replayTo = async (targets: ReadonlyMap<string, number>): Promise<void> => {
    const target = Math.max(...targets.values());
    let position = Math.min(...replayed.values());
    while (position < target) {
      const batch = await source.readAll({ fromGlobalPosition: position + 1, maxCount: batchSize });
      if (batch.length === 0) break;
      const due = (p: Projection, e: RecordedEvent) => e.globalPosition > replayed.get(p.name)! && e.globalPosition <= targets.get(p.name)! && p.types.includes(e.type);
      const work = AUDITED_PROJECTIONS.map((p) => ({ p, events: batch.filter((e) => due(p, e)) }));
      await foldBatch(db, sc, work, unfoldable);
      position = batch[batch.length - 1]!.globalPosition;
      for (const p of AUDITED_PROJECTIONS) replayed.set(p.name, Math.max(replayed.get(p.name)!, Math.min(position, targets.get(p.name)!)));
      applied += batch.filter((e) => e.globalPosition <= target).length;
      const seconds = (Date.now() - startedAt) / 1_000;
      options.onProgress?.({ position: Math.min(position, target), target, applied, eventsPerSecond: seconds > 0 ? applied / seconds : 0 });
    }
    for (const p of AUDITED_PROJECTIONS) replayed.set(p.name, Math.max(replayed.get(p.name)!, targets.get(p.name)!));
  };

  try {
    await db.exec(`DROP SCHEMA IF EXISTS ${sc} CASCADE`);
    for (const p of AUDITED_PROJECTIONS) await runMigrations(db, scratch, `projection:${p.name}`, p.migrations);
    await replayTo(await checkpointsOf(db, live));
    for (let attempt = 1; ; attempt++) {
      type Outcome = { readonly moved: Map<string, number> } | { readonly compared: Omit<VerifyReport, 'eventsReplayed' | 'unfoldable'> };
      const outcome = await db.transaction(async (tx): Promise<Outcome> => {
        // One snapshot of the live tables and their checkpoints (PGlite has one connection: nothing moves there).
        if (db.kind === 'postgres') await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const checkpoints = await checkpointsOf(tx, live);
        if ([...checkpoints].some(([name, at]) => at !== replayed.get(name))) return { moved: checkpoints };
        return { compared: await compare(tx, live, sc, checkpoints) };
      });
      if ('compared' in outcome) return { ...outcome.compared, eventsReplayed: applied, unfoldable, agrees: outcome.compared.agrees && unfoldable.length === 0 };
      if (attempt >= MAX_CATCH_UPS) throw new Error('the live projections kept moving ahead of the replay; try again when the platform is quieter');
      if ([...outcome.moved].some(([name, at]) => at < replayed.get(name)!)) throw new Error('a live checkpoint moved back (a projection was rebuilt meanwhile); run verify again');
      await replayTo(outcome.moved);
    }
  } finally {
    await db.exec(`DROP SCHEMA IF EXISTS ${sc} CASCADE`);
  }
}

async function checkpointsOf(db: SqlExecutor, live: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ group_id: string; position: string }>(`SELECT group_id, position FROM ${live}.consumer_checkpoints WHERE group_id = ANY($1::text[])`, [
    AUDITED_PROJECTIONS.map((p) => `projection:${p.name}`),
  ]);
  const at = new Map(rows.map((r) => [r.group_id, Number(r.position)]));
  return new Map(AUDITED_PROJECTIONS.map((p) => [p.name, at.get(`projection:${p.name}`) ?? 0]));
}

/** One transaction per batch; when it fails, event by event and projection by projection, noting what still fails. */
async function foldBatch(db: SqlDatabase, sc: string, work: readonly { p: Projection; events: readonly RecordedEvent[] }[], unfoldable: UnfoldableEvent[]): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      for (const { p, events } of work) for (const event of events) await p.apply(event, tx, sc);
    });
    return;
  } catch {
    // Retried below one event at a time, to name the event that does not fold.
  }
  for (const { p, events } of work) {
    for (const event of events) {
      try {
        await db.transaction((tx) => p.apply(event, tx, sc));
      } catch (error) {
        unfoldable.push({ projection: p.name, globalPosition: event.globalPosition, type: event.type, reason: (error as Error).message ?? String(error) });
      }
    }
  }
}

async function compare(tx: SqlExecutor, live: string, sc: string, checkpoints: ReadonlyMap<string, number>): Promise<Omit<VerifyReport, 'eventsReplayed' | 'unfoldable'>> {
  const tables: VerifyReport['tables'][number][] = [];
  const differences: RowDifference[] = [];
  for (const t of COMPARED) {
    const q = quoteIdent(t.table);
    const count = async (s: string) => Number((await tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${s}.${q}`)).rows[0]!.n);
    const liveRows = await count(live);
    const replayedRows = await count(sc);
    const on = t.key.map((k) => `l.${quoteIdent(k)} = r.${quoteIdent(k)}`).join(' AND ');
    const object = (alias: string) => `json_build_object(${t.values.map((v) => `'${v}', ${alias}.${quoteIdent(v)}`).join(', ')})`;
    const tuple = (alias: string) => `(${t.values.map((v) => `${alias}.${quoteIdent(v)}`).join(', ')})`;
    const first = quoteIdent(t.key[0]!);
    const distinct = t.values.length === 0 ? 'false' : `${tuple('l')} IS DISTINCT FROM ${tuple('r')}`;
    const { rows } = await tx.query<{ key: Record<string, unknown>; live: Record<string, unknown> | null; replayed: Record<string, unknown> | null; total: string }>(
      `SELECT json_build_object(${t.key.map((k) => `'${k}', coalesce(l.${quoteIdent(k)}, r.${quoteIdent(k)})`).join(', ')}) AS key,
              CASE WHEN l.${first} IS NULL THEN NULL ELSE ${object('l')} END AS live,
              CASE WHEN r.${first} IS NULL THEN NULL ELSE ${object('r')} END AS replayed,
              count(*) OVER () AS total
       FROM ${live}.${q} l FULL JOIN ${sc}.${q} r ON ${on}
       WHERE l.${first} IS NULL OR r.${first} IS NULL OR ${distinct}
       ORDER BY ${t.key.map((k) => `coalesce(l.${quoteIdent(k)}, r.${quoteIdent(k)})`).join(', ')}
       LIMIT ${LISTED_PER_TABLE}`,
    );
    tables.push({ table: t.table, liveRows, replayedRows, differences: Number(rows[0]?.total ?? 0) });
    for (const row of rows) {
      const key = Object.fromEntries(Object.entries(row.key).map(([k, v]) => [k, String(v)]));
      const problem = row.live === null ? 'missing' : row.replayed === null ? 'unexpected' : 'differs';
      const columns = t.values
        .filter((v) => problem !== 'differs' || JSON.stringify(row.live![v]) !== JSON.stringify(row.replayed![v]))
        .map((v) => ({ column: v, live: row.live?.[v] ?? null, replayed: row.replayed?.[v] ?? null }));
      differences.push({ table: t.table, key, problem, columns });
    }
  }
  const invariants = await checkInvariants(tx, live);
  const agrees = differences.length === 0 && invariants.length === 0;
  return { agrees, checkpoints: Object.fromEntries(checkpoints), tables, differences, invariants };
}

/** Stock invariants of the live tables (whatever the log says): bins add up to totals, the two services agree, nothing negative. */
async function checkInvariants(tx: SqlExecutor, s: string): Promise<InvariantViolation[]> {
  const found: InvariantViolation[] = [];
  const run = async (check: string, sql: string, key: readonly string[], detail: (r: Record<string, string>) => string): Promise<void> => {
    const { rows } = await tx.query<Record<string, string>>(`${sql} LIMIT ${LISTED_PER_TABLE}`);
    for (const r of rows) found.push({ check, key: Object.fromEntries(key.map((k) => [k, String(r[k])])), detail: detail(r) });
  };
  await run(
    'bins sum to the warehouse total (inventory_bin_stock vs inventory_stock)',
    `SELECT coalesce(t.sku, b.sku) AS sku, coalesce(t.warehouse, b.warehouse) AS warehouse,
            coalesce(t.on_hand, 0) AS total_on_hand, coalesce(b.on_hand, 0) AS bins_on_hand,
            coalesce(t.reserved, 0) AS total_reserved, coalesce(b.reserved, 0) AS bins_reserved
     FROM ${s}.inventory_stock t
     FULL JOIN (SELECT sku, warehouse, sum(on_hand) AS on_hand, sum(reserved) AS reserved FROM ${s}.inventory_bin_stock GROUP BY sku, warehouse) b
       ON b.sku = t.sku AND b.warehouse = t.warehouse
     WHERE coalesce(t.on_hand, 0) <> coalesce(b.on_hand, 0) OR coalesce(t.reserved, 0) <> coalesce(b.reserved, 0)
     ORDER BY 1, 2`,
    ['sku', 'warehouse'],
    (r) => `on hand ${r.total_on_hand} in inventory_stock, ${r.bins_on_hand} over its bins; reserved ${r.total_reserved} vs ${r.bins_reserved}`,
  );
  await run(
    'warehouse and inventory agree per bin (warehouse_bin_stock vs inventory_bin_stock)',
    `SELECT coalesce(w.sku, i.sku) AS sku, coalesce(w.warehouse, i.warehouse) AS warehouse, coalesce(w.bin, i.bin) AS bin,
            coalesce(w.on_hand, 0) AS warehouse_on_hand, coalesce(i.on_hand, 0) AS inventory_on_hand,
            coalesce(w.allocated, 0) AS allocated, coalesce(i.reserved, 0) AS reserved
     FROM ${s}.warehouse_bin_stock w FULL JOIN ${s}.inventory_bin_stock i ON i.sku = w.sku AND i.warehouse = w.warehouse AND i.bin = w.bin
     WHERE coalesce(w.on_hand, 0) <> coalesce(i.on_hand, 0) OR coalesce(w.allocated, 0) <> coalesce(i.reserved, 0)
     ORDER BY 1, 2, 3`,
    ['sku', 'warehouse', 'bin'],
    (r) => `on hand ${r.warehouse_on_hand} in warehouse_bin_stock, ${r.inventory_on_hand} in inventory_bin_stock; allocated ${r.allocated} vs reserved ${r.reserved}`,
  );
  const sane = (table: string, key: readonly string[], held: string, onHand = 'on_hand', others: readonly string[] = []): Promise<void> =>
    run(
      `nothing negative, ${held} ≤ on hand (${table})`,
      `SELECT ${[...key, onHand, held, ...others].join(', ')} FROM ${s}.${table}
       WHERE ${[onHand, held, ...others].map((c) => `${c} < 0`).join(' OR ')} OR ${held} > ${onHand} ORDER BY ${key.join(', ')}`,
      key,
      (r) => [onHand, held, ...others].map((c) => `${c} ${r[c]}`).join(', '),
    );
  await sane('inventory_stock', ['sku', 'warehouse'], 'reserved', 'on_hand', ['in_transit', 'back_ordered']);
  await sane('inventory_bin_stock', ['sku', 'warehouse', 'bin'], 'reserved');
  await sane('warehouse_bin_stock', ['sku', 'warehouse', 'bin'], 'allocated');
  await run('nothing negative (inventory_back_orders)', `SELECT sku, quantity FROM ${s}.inventory_back_orders WHERE quantity < 0 ORDER BY sku`, ['sku'], (r) => `quantity ${r.quantity}`);
  return found;
}
