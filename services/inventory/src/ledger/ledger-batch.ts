import type { RecordedEvent } from '@bintrail/contracts';
import type { SqlExecutor } from '@bintrail/event-store';
import { readInOneRoundTrip, writeInOneStatement, type Statement } from '@bintrail/projections';
import { figureChangesOf, movementsOf, type LedgerInput } from './movements.domain';

/**
 * The ledger's batch path (a rebuild folds 1,000 events a transaction): the same rows as `apply` event by
 * event, in two statements per batch instead of two per movement. Each key's balance before the batch is
 * looked up once (the latest row before the batch's first position, as `apply` does per row; a rebuild's memo
 * remembers the balances its earlier batches left, so only keys new to the run are looked up), the running
 * balances are added up in memory in log order, and the rows go in with one statement of INSERT … SELECT FROM
 * unnest(…) ON CONFLICT DO NOTHING clauses, so a batch delivered again books nothing twice. A balance that would
 * go negative throws, as `apply` does: the rebuild then folds the batch event by event and parks the one at fault.
 */
export async function applyLedgerBatch(events: readonly RecordedEvent[], tx: SqlExecutor, s: string, memo?: Map<string, unknown>): Promise<void> {
  if (events.length === 0) return;
  const first = events[0]!.globalPosition;
  const bins: BookedRow<[string, string, string]>[] = [];
  const figures: BookedRow<[string, string, string]>[] = [];
  for (const recorded of events) {
    const event = recorded as unknown as LedgerInput;
    const common = {
      position: recorded.globalPosition,
      eventId: recorded.eventId,
      type: recorded.type,
      occurredAt: new Date(recorded.occurredAt).toISOString(),
      correlationId: recorded.metadata?.correlationId ?? null,
      actor: recorded.metadata?.actor ?? null,
    };
    for (const m of movementsOf(event)) bins.push({ ...common, key: [m.warehouse, m.bin, m.sku], delta: m.delta, label: m.kind, balance: 0 });
    for (const f of figureChangesOf(event)) figures.push({ ...common, key: [f.warehouse, f.sku, f.figure], delta: f.delta, label: f.figure, balance: 0 });
  }
  const known = {
    bins: memoOf(memo, 'inventory-stock-ledger:bins'),
    figures: memoOf(memo, 'inventory-stock-ledger:figures'),
  };
  const missing = { bins: unknownKeys(bins, known.bins), figures: unknownKeys(figures, known.figures) };
  const [binBalances, figureBalances] = await readInOneRoundTrip(tx, [
    balancesBefore(`${s}.inventory_stock_ledger`, ['warehouse', 'bin', 'sku'], missing.bins, first),
    balancesBefore(`${s}.inventory_figure_ledger`, ['warehouse', 'sku', 'figure'], missing.figures, first),
  ]);
  runBalances(bins, withFound(known.bins, binBalances!), (r) => `bin ${r.key[1]} of ${r.key[0]} would hold ${r.balance} units of ${r.key[2]} at position ${r.position}`);
  runBalances(figures, withFound(known.figures, figureBalances!), (r) => `${r.key[2]} of ${r.key[1]} in '${r.key[0]}' would be ${r.balance} at position ${r.position}`);
  await writeInOneStatement(tx, [
    bins.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.inventory_stock_ledger
                  (global_position, event_id, event_type, occurred_at, correlation_id, actor, warehouse, bin, sku, kind, delta, balance)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[])
                ON CONFLICT DO NOTHING`,
          params: [...commonColumns(bins), ...keyColumns(bins), bins.map((r) => r.label), bins.map((r) => r.delta), bins.map((r) => r.balance)],
        },
    missing.bins.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.inventory_stock_ledger_keys (sku, warehouse, bin)
                SELECT k.sku, k.warehouse, k.bin FROM unnest($1::text[], $2::text[], $3::text[]) AS k(warehouse, bin, sku) ON CONFLICT DO NOTHING`,
          params: keyColumnsOf(missing.bins),
        },
    figures.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.inventory_figure_ledger
                  (global_position, event_id, event_type, occurred_at, correlation_id, actor, warehouse, sku, figure, delta, balance)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[])
                ON CONFLICT DO NOTHING`,
          params: [...commonColumns(figures), ...keyColumns(figures), figures.map((r) => r.delta), figures.map((r) => r.balance)],
        },
    missing.figures.length === 0
      ? undefined
      : {
          sql: `INSERT INTO ${s}.inventory_figure_ledger_keys (sku, warehouse, figure)
                SELECT k.sku, k.warehouse, k.figure FROM unnest($1::text[], $2::text[], $3::text[]) AS k(warehouse, sku, figure) ON CONFLICT DO NOTHING`,
          params: keyColumnsOf(missing.figures),
        },
  ]);
  // Only now (the caller clears the memo if the transaction does not commit after all).
  if (memo) {
    for (const balances of [known.bins, known.figures]) if (balances.size > MEMO_KEYS_MAX) balances.clear();
    for (const row of bins) known.bins.set(keyOf(row.key), row.balance);
    for (const row of figures) known.figures.set(keyOf(row.key), row.balance);
  }
}

/** Keys a memo holds per table before it starts over (about 100 bytes each). */
const MEMO_KEYS_MAX = 2_000_000;

interface BookedRow<Key extends readonly string[]> {
  readonly position: number;
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly correlationId: string | null;
  readonly actor: string | null;
  /** Bins: (warehouse, bin, sku); figures: (warehouse, sku, figure). */
  readonly key: Key;
  readonly delta: number;
  /** Bins: the movement kind; figures: the figure (not stored twice). */
  readonly label: string;
  balance: number;
}

const keyOf = (key: readonly string[]): string => JSON.stringify(key);

/** The balance of each key after the last row before `first` (0 for a key with none), one index lookup per key. */
function balancesBefore(table: string, columns: readonly [string, string, string], keys: readonly (readonly [string, string, string])[], first: number): Statement | undefined {
  if (keys.length === 0) return undefined;
  const [a, b, c] = columns;
  return {
    sql: `SELECT k.a, k.b, k.c,
                 (SELECT l.balance FROM ${table} l WHERE l.${a} = k.a AND l.${b} = k.b AND l.${c} = k.c AND l.global_position < $4
                  ORDER BY l.global_position DESC LIMIT 1) AS balance
          FROM unnest($1::text[], $2::text[], $3::text[]) AS k(a, b, c)`,
    params: [...keyColumnsOf(keys), first],
  };
}

/** The memo's balances by key (a rebuild's, kept across its batches), or a fresh map for this batch alone. */
function memoOf(memo: Map<string, unknown> | undefined, name: string): Map<string, number> {
  if (!memo) return new Map();
  let balances = memo.get(name) as Map<string, number> | undefined;
  if (!balances) memo.set(name, (balances = new Map()));
  return balances;
}

/** The batch's distinct keys that the memo has no balance for. */
function unknownKeys(rows: readonly BookedRow<[string, string, string]>[], known: ReadonlyMap<string, number>): [string, string, string][] {
  const keys = new Map<string, [string, string, string]>();
  for (const row of rows) {
    const key = keyOf(row.key);
    if (!known.has(key)) keys.set(key, row.key);
  }
  return [...keys.values()];
}

/** A key's balance before the batch: just looked up, else the memo's (a key with no row before has none: 0). */
function withFound(known: ReadonlyMap<string, number>, found: readonly Record<string, unknown>[]): (key: string) => number {
  const looked = new Map(found.map((r) => [keyOf([r.a as string, r.b as string, r.c as string]), Number(r.balance ?? 0)]));
  return (key) => looked.get(key) ?? known.get(key) ?? 0;
}

/** Running balance per key in log order (rows are already in it); refuses one going below zero. */
function runBalances(rows: BookedRow<[string, string, string]>[], before: (key: string) => number, broken: (row: BookedRow<[string, string, string]>) => string): void {
  const running = new Map<string, number>();
  for (const row of rows) {
    const key = keyOf(row.key);
    row.balance = (running.get(key) ?? before(key)) + row.delta;
    if (row.balance < 0) throw new Error(broken(row));
    running.set(key, row.balance);
  }
}

const commonColumns = (rows: readonly BookedRow<readonly string[]>[]): unknown[] => [
  rows.map((r) => r.position),
  rows.map((r) => r.eventId),
  rows.map((r) => r.type),
  rows.map((r) => r.occurredAt),
  rows.map((r) => r.correlationId),
  rows.map((r) => r.actor),
];

const keyColumns = (rows: readonly BookedRow<readonly string[]>[]): unknown[] => keyColumnsOf(rows.map((r) => r.key));

const keyColumnsOf = (keys: readonly (readonly string[])[]): unknown[] => [keys.map((k) => k[0]), keys.map((k) => k[1]), keys.map((k) => k[2])];
