import { quoteIdent, runMigrations, type SqlDatabase } from '@bintrail/event-store';

/** Where a relay remembers the last global position the broker acknowledged. */
export interface CheckpointStore {
  load(name: string): Promise<number>;
  save(name: string, position: number): Promise<void>;
}

export class SqlCheckpointStore implements CheckpointStore {
  private constructor(
    private readonly db: SqlDatabase,
    private readonly s: string,
  ) {}

  static async open(db: SqlDatabase, schema: string): Promise<SqlCheckpointStore> {
    await runMigrations(db, schema, 'relay', [
      {
        version: 1,
        name: 'relay checkpoints',
        sql: (s) => `CREATE TABLE ${s}.relay_checkpoints (
          name text PRIMARY KEY,
          position bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        );`,
      },
    ]);
    return new SqlCheckpointStore(db, quoteIdent(schema));
  }

  async load(name: string): Promise<number> {
    const { rows } = await this.db.query<{ position: string }>(`SELECT position FROM ${this.s}.relay_checkpoints WHERE name = $1`, [name]);
    return Number(rows[0]?.position ?? 0);
  }

  async save(name: string, position: number): Promise<void> {
    // Never backwards: a relay that lost its lock late must not rewind the one that took over.
    await this.db.query(
      `INSERT INTO ${this.s}.relay_checkpoints (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = GREATEST(${this.s}.relay_checkpoints.position, EXCLUDED.position), updated_at = now()`,
      [name, position],
    );
  }
}

export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, number>();
  async load(name: string): Promise<number> {
    return this.positions.get(name) ?? 0;
  }
  async save(name: string, position: number): Promise<void> {
    this.positions.set(name, Math.max(position, this.positions.get(name) ?? 0));
  }
}
