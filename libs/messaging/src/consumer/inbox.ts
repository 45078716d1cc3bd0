import { quoteIdent, runMigrations, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';

class AlreadyProcessed extends Error {}

/**
 * Processed event ids per consumer group, written in the same transaction as the handler's
 * effects: a redelivered event is recognised and changes nothing the second time.
 */
export class Inbox {
  private constructor(
    readonly db: SqlDatabase,
    private readonly s: string,
  ) {}

  static async open(db: SqlDatabase, schema: string): Promise<Inbox> {
    await runMigrations(db, schema, 'inbox', [
      {
        version: 1,
        name: 'inbox of processed events',
        sql: (s) => `CREATE TABLE ${s}.inbox (
          consumer_group text NOT NULL,
          event_id uuid NOT NULL,
          processed_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (consumer_group, event_id)
        );`,
      },
    ]);
    return new Inbox(db, quoteIdent(schema));
  }

  /**
   * Runs `work` once per (group, event id). The handler's writes come first in the transaction
   * and the inbox row last, so a handler may itself append to the event store (which must be the
   * first write of its transaction).
   */
  async processOnce(groupId: string, eventId: string, work: (tx: SqlExecutor) => Promise<void>): Promise<'processed' | 'duplicate'> {
    try {
      await this.db.transaction(async (tx) => {
        const { rows } = await tx.query(`SELECT 1 FROM ${this.s}.inbox WHERE consumer_group = $1 AND event_id = $2`, [groupId, eventId]);
        if (rows.length > 0) throw new AlreadyProcessed();
        await work(tx);
        const inserted = await tx.query(
          `INSERT INTO ${this.s}.inbox (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
          [groupId, eventId],
        );
        // A concurrent delivery of the same event committed first: undo ours.
        if (inserted.rows.length === 0) throw new AlreadyProcessed();
      });
      return 'processed';
    } catch (error) {
      if (error instanceof AlreadyProcessed) return 'duplicate';
      throw error;
    }
  }
}
