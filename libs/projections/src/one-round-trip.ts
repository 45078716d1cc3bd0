import type { SqlExecutor } from '@bintrail/event-store';

/** A parameterised statement; its placeholders are numbered from $1 as if it ran alone. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * Renumbers each statement's $n after the parameters of the ones before it, so that they can share one
 * statement. The SQL must not hold `$<digits>` other than placeholders (no such literals or dollar quotes).
 */
function combine(statements: readonly Statement[]): { parts: string[]; params: unknown[] } {
  const params: unknown[] = [];
  const parts = statements.map((statement) => {
    const offset = params.length;
    params.push(...statement.params);
    return statement.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  return { parts, params };
}

/**
 * Runs several SELECTs in one round trip and returns each one's rows (as JSON: numbers, strings, booleans and
 * nulls come back as such; bigint columns as numbers, so only for values below 2^53). A live projection's
 * batch is a handful of small statements: each round trip cost about a millisecond on a busy two-core machine,
 * so reading in one and writing in one (`writeInOneStatement`) was most of what could be saved.
 */
export async function readInOneRoundTrip(tx: SqlExecutor, queries: readonly (Statement | undefined)[]): Promise<Record<string, unknown>[][]> {
  const results = queries.map(() => [] as Record<string, unknown>[]);
  const present = queries.flatMap((q, index) => (q ? [{ q, index }] : []));
  if (present.length === 0) return results;
  const { parts, params } = combine(present.map((p) => p.q));
  const columns = parts.map((sql, i) => `(SELECT coalesce(json_agg(r), '[]'::json) FROM (${sql}) r) AS r${i}`);
  const { rows } = await tx.query<Record<string, unknown>>(`SELECT ${columns.join(', ')}`, params);
  present.forEach(({ index }, i) => {
    const value = rows[0]![`r${i}`];
    results[index] = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>[];
  });
  return results;
}

/**
 * Runs several INSERT / UPDATE / DELETE statements as one (each a data-modifying WITH clause; PostgreSQL runs
 * every one of them exactly once, on the same snapshot, so they must not touch the same rows). Statements left
 * undefined are skipped; nothing is sent when none is left.
 */
export async function writeInOneStatement(tx: SqlExecutor, statements: readonly (Statement | undefined)[]): Promise<void> {
  const present = statements.filter((s): s is Statement => s !== undefined);
  if (present.length === 0) return;
  if (present.length === 1) {
    await tx.query(present[0]!.sql, present[0]!.params);
    return;
  }
  const { parts, params } = combine(present);
  await tx.query(`WITH ${parts.map((sql, i) => `w${i} AS (${sql})`).join(', ')} SELECT 1`, params);
}

/**
 * A column a batch writes or looks rows up by: its name, the PostgreSQL type of its values (each column travels
 * as one array parameter, `unnest`ed), its value in a row, and optionally a cast on the way in (`as`, e.g. a
 * JSON text into jsonb).
 */
export interface Column<Row> {
  readonly name: string;
  readonly type: string;
  readonly value: (row: Row) => unknown;
  readonly as?: string;
}

/** A Column: `column('on_hand', 'bigint', (r: StockRow) => r.onHand)`. */
export const column = <Row>(name: string, type: string, value: (row: Row) => unknown, as?: string): Column<Row> => ({ name, type, value, ...(as ? { as } : {}) });

const unnested = <Row>(columns: readonly Column<Row>[]): string =>
  `unnest(${columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')}) AS k(${columns.map((c) => c.name).join(', ')})`;
const arraysOf = <Row>(columns: readonly Column<Row>[], rows: readonly Row[]): unknown[][] => columns.map((c) => rows.map((row) => c.value(row)));
const sameKey = (key: readonly { readonly name: string }[], alias: string): string => key.map((c) => `${alias}.${c.name} = k.${c.name}`).join(' AND ');

/**
 * The rows of `table` whose `key` columns equal those of one of `keys`, with the columns `select`ed: one
 * statement for any number of keys (undefined when there are none).
 */
export function rowsByKey<Key>(table: string, select: readonly string[], key: readonly Column<Key>[], keys: readonly Key[]): Statement | undefined {
  if (keys.length === 0) return undefined;
  return { sql: `SELECT ${select.map((c) => `t.${c}`).join(', ')} FROM ${unnested(key)} JOIN ${table} t ON ${sameKey(key, 't')}`, params: arraysOf(key, keys) };
}

/**
 * Writes `rows` into `table` in one statement: each row inserted, or, where its `onConflict.key` is taken, the
 * `onConflict.update` columns set from it (nothing done when no column is to be updated). Undefined when there
 * are no rows.
 */
export function upsertRows<Row>(
  table: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  onConflict: { readonly key?: readonly string[]; readonly update?: readonly string[] } = {},
): Statement | undefined {
  if (rows.length === 0) return undefined;
  const names = columns.map((c) => c.name).join(', ');
  const values = columns.map((c) => (c.as ? `k.${c.name}::${c.as}` : `k.${c.name}`)).join(', ');
  const target = onConflict.key ? ` (${onConflict.key.join(', ')})` : '';
  const update = onConflict.update ?? [];
  const action = update.length > 0 ? `DO UPDATE SET ${update.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'DO NOTHING';
  return { sql: `INSERT INTO ${table} (${names}) SELECT ${values} FROM ${unnested(columns)} ON CONFLICT${target} ${action}`, params: arraysOf(columns, rows) };
}

/** Deletes the rows of `table` whose `key` columns equal those of one of `rows`, in one statement (undefined when there are none). */
export function deleteRows<Row>(table: string, key: readonly Column<Row>[], rows: readonly Row[]): Statement | undefined {
  if (rows.length === 0) return undefined;
  return { sql: `DELETE FROM ${table} t USING ${unnested(key)} WHERE ${sameKey(key, 't')}`, params: arraysOf(key, rows) };
}
