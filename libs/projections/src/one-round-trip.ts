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
