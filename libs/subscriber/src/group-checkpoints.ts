import { quoteIdent, runMigrations, type SqlDatabase, type SqlExecutor } from '@bintrail/event-store';

export interface GroupCheckpoint {
  readonly group: string;
  readonly phase: 'catching-up' | 'live';
  /** catching-up: every event up to here is handled; live: the highest position handled. */
  readonly position: number;
  /** The store position the group was handed over to Kafka at: Kafka messages at or below it are dropped. */
  readonly handoverPosition: number | undefined;
  /** When the store was last read before the handover: Kafka is read from a little before it. */
  readonly handoverAt: Date | undefined;
}

interface Row {
  group_id: string;
  phase: 'catching-up' | 'live';
  position: string;
  handover_position: string | null;
  handover_at: Date | null;
}

/** One row per subscriber group, in the store's database, so it commits with the handler's effects. */
export class GroupCheckpoints {
  private constructor(
    readonly db: SqlDatabase,
    private readonly s: string,
  ) {}

  static async open(db: SqlDatabase, schema: string): Promise<GroupCheckpoints> {
    await runMigrations(db, schema, 'subscriber', [
      {
        version: 1,
        name: 'subscriber group checkpoints',
        sql: (s) => `CREATE TABLE ${s}.subscriber_groups (
          group_id text PRIMARY KEY,
          phase text NOT NULL CHECK (phase IN ('catching-up', 'live')),
          position bigint NOT NULL,
          started_from text NOT NULL,
          handover_position bigint,
          handover_at timestamptz,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        );`,
      },
    ]);
    return new GroupCheckpoints(db, quoteIdent(schema));
  }

  async load(group: string): Promise<GroupCheckpoint | undefined> {
    const { rows } = await this.db.query<Row>(
      `SELECT group_id, phase, position, handover_position, handover_at FROM ${this.s}.subscriber_groups WHERE group_id = $1`,
      [group],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      group: row.group_id,
      phase: row.phase,
      position: Number(row.position),
      handoverPosition: row.handover_position === null ? undefined : Number(row.handover_position),
      handoverAt: row.handover_at ?? undefined,
    };
  }

  /** Creates a new group's row at `position`; a group created meanwhile by another instance is kept as it is. */
  async create(group: string, position: number, startedFrom: string): Promise<GroupCheckpoint> {
    await this.db.query(
      `INSERT INTO ${this.s}.subscriber_groups (group_id, phase, position, started_from) VALUES ($1, 'catching-up', $2, $3) ON CONFLICT DO NOTHING`,
      [group, position, startedFrom],
    );
    return (await this.load(group))!;
  }

  /** Never moves back: two instances of a group may both advance it (their inbox keeps effects single). */
  async advance(executor: SqlExecutor, group: string, position: number): Promise<void> {
    await executor.query(`UPDATE ${this.s}.subscriber_groups SET position = greatest(position, $2), updated_at = now() WHERE group_id = $1`, [group, position]);
  }

  async handOver(group: string, position: number, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE ${this.s}.subscriber_groups SET phase = 'live', position = greatest(position, $2), handover_position = $2, handover_at = $3, updated_at = now()
       WHERE group_id = $1`,
      [group, position, at],
    );
  }

  /** Back to reading the store from `position` (Kafka no longer holds what the group has not read). */
  async catchUpAgain(group: string, position: number): Promise<void> {
    await this.db.query(`UPDATE ${this.s}.subscriber_groups SET phase = 'catching-up', position = $2, updated_at = now() WHERE group_id = $1`, [group, position]);
  }
}
