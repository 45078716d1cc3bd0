/** Child process: Bintrail's SqlEventStore (libs/event-store) on a fresh schema per case. */
import { openPostgresEventStore } from '@bintrail/event-store';
import { dropSchema, objectName, runChild, type BenchConfig, type Contender, type Target } from './harness';

const bintrail: Contender = {
  name: 'bintrail',
  async open(label: string, config: BenchConfig): Promise<Target> {
    const schema = objectName('bench_es_bt', config, label);
    const store = await openPostgresEventStore(config.url, { schema, poolSize: config.poolSize });
    const table = `"${schema}".events`;
    return {
      appendOne: async (streamId, event) => {
        await store.appendToStream(streamId, [event], { expectedVersion: 'no-stream' });
      },
      appendBatch: async (streamId, events) => {
        await store.appendToStream(streamId, events, { expectedVersion: 'no-stream' });
      },
      readAll: async (batchSize, limitBatches = Infinity, collect) => {
        let from = 1;
        let seen = 0;
        for (let b = 0; b < limitBatches; b++) {
          const batch = await store.readAll({ fromGlobalPosition: from, maxCount: batchSize });
          seen += batch.length;
          if (collect) for (const e of batch) collect(String(e.globalPosition));
          if (batch.length < batchSize) break;
          from = batch[batch.length - 1]!.globalPosition + 1;
        }
        return seen;
      },
      count: async () => Number((await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n),
      vacuum: () => store.db.exec(`VACUUM ANALYZE ${table}`),
      dispose: async () => {
        await store.close();
        await dropSchema(config.url, schema);
      },
    };
  },
};

runChild(bintrail);
