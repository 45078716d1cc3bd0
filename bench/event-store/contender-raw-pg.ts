/** Child process: the baseline, plain `pg` INSERT/SELECT on a comparable table in a fresh schema per case. */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { dropSchema, objectName, runChild, withClient, type BenchConfig, type BenchEvent, type Contender, type Target } from './harness';

const raw: Contender = {
  name: 'raw_pg',
  async open(label: string, config: BenchConfig): Promise<Target> {
    const schema = objectName('bench_es_raw', config, label);
    const table = `"${schema}".events`;
    await withClient(config.url, (c) =>
      c.query(`
        CREATE SCHEMA "${schema}";
        CREATE TABLE ${table} (
          id bigserial PRIMARY KEY,
          stream_id text NOT NULL,
          stream_position bigint NOT NULL,
          event_id uuid NOT NULL,
          type text NOT NULL,
          data jsonb NOT NULL,
          metadata jsonb NOT NULL,
          created timestamptz NOT NULL DEFAULT now(),
          UNIQUE (stream_id, stream_position)
        );`),
    );
    const pool = new Pool({ connectionString: config.url, max: config.poolSize });
    pool.on('error', () => undefined);
    const insertSql = (rows: number) =>
      `INSERT INTO ${table} (stream_id, stream_position, event_id, type, data, metadata) VALUES ` +
      Array.from({ length: rows }, (_, r) => `($${r * 6 + 1}, $${r * 6 + 2}, $${r * 6 + 3}, $${r * 6 + 4}, $${r * 6 + 5}, $${r * 6 + 6})`).join(', ');
    const statements = new Map<number, string>();
    const statement = (rows: number) => statements.get(rows) ?? statements.set(rows, insertSql(rows)).get(rows)!;
    const params = (streamId: string, events: readonly BenchEvent[]) =>
      events.flatMap((e, i) => [streamId, i + 1, randomUUID(), e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)]);
    return {
      appendOne: async (streamId, event) => {
        await pool.query(statement(1), params(streamId, [event]));
      },
      appendBatch: async (streamId, events) => {
        await pool.query(statement(events.length), params(streamId, events));
      },
      readAll: async (batchSize, limitBatches = Infinity, collect) => {
        let after = '0';
        let seen = 0;
        for (let b = 0; b < limitBatches; b++) {
          const { rows } = await pool.query<{ id: string }>(
            `SELECT id, stream_id, stream_position, event_id, type, data, metadata, created FROM ${table} WHERE id > $1 ORDER BY id LIMIT $2`,
            [after, batchSize],
          );
          seen += rows.length;
          if (collect) for (const r of rows) collect(String(r.id));
          if (rows.length < batchSize) break;
          after = rows[rows.length - 1]!.id;
        }
        return seen;
      },
      count: async () => Number((await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n),
      vacuum: async () => {
        await pool.query(`VACUUM ANALYZE ${table}`);
      },
      dispose: async () => {
        await pool.end().catch(() => undefined);
        await dropSchema(config.url, schema);
      },
    };
  },
};

runChild(raw);
