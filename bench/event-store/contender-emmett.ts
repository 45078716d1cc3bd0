/**
 * Child process: Emmett 0.42 (@event-driven-io/emmett-postgresql). Emmett has no schema option (its
 * tables and functions live in `public`), so every case gets a fresh database, dropped after.
 * Loading this package replaces pg's int8/json type parsers process-wide, hence its own process.
 */
import pg from 'pg';
import { dumbo } from '@event-driven-io/dumbo';
import { getPostgreSQLEventStore, readMessagesBatch } from '@event-driven-io/emmett-postgresql';
import { databaseUrl, objectName, runChild, withClient, type BenchConfig, type BenchEvent, type Contender, type Target } from './harness';

const emmett: Contender = {
  name: 'emmett',
  async open(label: string, config: BenchConfig): Promise<Target> {
    const database = objectName('bench_emmett', config, label);
    await withClient(config.url, (c) => c.query(`CREATE DATABASE "${database}"`));
    const url = databaseUrl(config.url, database);
    const pool = new pg.Pool({ connectionString: url, max: config.poolSize });
    // pool.end() does not wait for the backends to exit: DROP DATABASE ... WITH (FORCE) may still
    // terminate one, and its error must not crash the process.
    pool.on('error', () => undefined);
    const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
    await store.schema.migrate();
    // readMessagesBatch is Emmett's public global ($all) read, the one its consumers poll with.
    const executor = dumbo({ connectionString: url, pool });
    const toEmmett = (e: BenchEvent) => ({ type: e.type, data: e.data, metadata: e.metadata });
    return {
      appendOne: async (streamId, event) => {
        // 0n = "the stream must not exist": Emmett then INSERTs the stream row (a conflict if it exists).
        await store.appendToStream(streamId, [toEmmett(event)], { expectedStreamVersion: 0n });
      },
      appendBatch: async (streamId, events) => {
        await store.appendToStream(streamId, events.map(toEmmett), { expectedStreamVersion: 0n });
      },
      readAll: async (batchSize, limitBatches = Infinity, collect) => {
        let after = 0n;
        let seen = 0;
        for (let b = 0; b < limitBatches; b++) {
          const batch = await readMessagesBatch(executor.execute, { after, batchSize });
          seen += batch.messages.length;
          if (collect) for (const m of batch.messages) collect(String(m.metadata.globalPosition));
          if (!batch.areMessagesLeft) break;
          after = batch.currentGlobalPosition;
        }
        return seen;
      },
      count: async () => Number((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM emt_messages')).rows[0]!.n),
      vacuum: async () => {
        await pool.query('VACUUM ANALYZE emt_messages');
      },
      dispose: async () => {
        await store.close().catch(() => undefined);
        await pool.end().catch(() => undefined);
        await withClient(config.url, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
      },
    };
  },
};

runChild(emmett);
