import { quoteIdent, type SqlDatabase } from '@bintrail/event-store';

/**
 * Questions the EventStore port does not answer, asked of the SQL store's own table (read-only):
 * where a time falls in the global log, and how far a group is behind.
 */
export class StoreQueries {
  private readonly s: string;

  constructor(
    private readonly db: SqlDatabase,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  /** Highest global position committed now (0 for an empty log). */
  async head(): Promise<number> {
    const { rows } = await this.db.query<{ p: string }>(`SELECT coalesce(max(global_position), 0) AS p FROM ${this.s}.events`);
    return Number(rows[0]!.p);
  }

  /** The first global position recorded at or after `time`; past the head when none is. */
  async firstPositionRecordedAt(time: Date): Promise<number> {
    const { rows } = await this.db.query<{ p: string | null }>(`SELECT min(global_position) AS p FROM ${this.s}.events WHERE recorded_at >= $1`, [time]);
    return rows[0]!.p === null ? (await this.head()) + 1 : Number(rows[0]!.p);
  }

  /** Committed events of these types after `position` (counted up to `cap`), and the age of the oldest. */
  async lag(categories: readonly string[], types: readonly string[], position: number, cap = 100_000): Promise<{ events: number; seconds: number }> {
    const { rows } = await this.db.query<{ n: string; oldest: Date | null }>(
      `SELECT count(*) AS n, min(recorded_at) AS oldest FROM (
         SELECT recorded_at FROM ${this.s}.events
          WHERE category = ANY($1::text[]) AND global_position > $2 AND type = ANY($3::text[])
          ORDER BY global_position LIMIT $4) behind`,
      [categories, position, types, cap],
    );
    const oldest = rows[0]!.oldest;
    return { events: Number(rows[0]!.n), seconds: oldest ? Math.max(0, (Date.now() - new Date(oldest).getTime()) / 1000) : 0 };
  }
}
