import { openEmbeddedEventStore, type SqlEventStore } from '@bintrail/event-store';
import { LogConsumers } from '@bintrail/messaging';
import { startProjections, type Projection, type RunningProjections } from '@bintrail/projections';
import { ReadModelClock } from './read-model-clock';

/** A projection of `test.Counted` only; every other type just moves its checkpoint. */
const counts: Projection = {
  name: 'test-counts',
  types: ['test.Counted'],
  migrations: [{ version: 1, name: 'counts', sql: (s) => `CREATE TABLE ${s}.test_counts (n integer NOT NULL)` }],
  async apply(event, tx, s) {
    await tx.query(`INSERT INTO ${s}.test_counts (n) VALUES ($1)`, [(event.data as { n: number }).n]);
  },
};

describe('read model clock on real projections (PGlite)', () => {
  let store: SqlEventStore;
  let projections: RunningProjections;
  let clock: ReadModelClock;

  beforeAll(async () => {
    store = await openEmbeddedEventStore(undefined, { schema: 'bintrail' });
    const consumers = await LogConsumers.open(store, store.db, 'bintrail');
    projections = await startProjections(store.db, consumers, 'bintrail', [counts], { wake: (ms) => store.waitForAppend(ms) });
    // Re-checks only every 10 s: a wait that ends sooner was woken by the projection's own progress signal.
    clock = new ReadModelClock(projections, () => store.headPosition(), { pollMs: 10_000 });
  });
  afterAll(async () => {
    clock.close();
    await projections.stop();
    await store.close();
  });

  const rows = async () => (await store.db.query<{ n: number }>('SELECT n FROM bintrail.test_counts ORDER BY n')).rows.map((r) => Number(r.n));

  it('resolves a wait for a just-appended event as soon as the projection has applied it', async () => {
    const { positions } = await store.appendToStream('counter-1', [{ type: 'test.Counted', data: { n: 1 } }]);
    const position = positions.at(-1)!.globalPosition;
    const started = Date.now();
    const outcome = await clock.waitFor([counts.name], position, 5_000);
    expect(outcome.reached).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await rows()).toEqual([1]); // the row is there once the wait is over: reading now sees the write
  });

  it('reaches the position of events the projection does not handle (its checkpoint moves over skipped types)', async () => {
    await store.appendToStream('other-1', [{ type: 'test.Other', data: {} }]);
    await store.appendToStream('other-2', [{ type: 'test.Other', data: {} }, { type: 'test.Other', data: {} }]);
    const { positions } = await store.appendToStream('other-3', [{ type: 'elsewhere.Happened', data: {} }]);
    const last = positions.at(-1)!.globalPosition;
    const started = Date.now();
    const outcome = await clock.waitFor([counts.name], last, 5_000);
    expect(outcome).toMatchObject({ reached: true, positions: [{ readModel: counts.name, position: last }] });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await rows()).toEqual([1]);
    expect(await store.headPosition()).toBe(last);
  });

  it('times out on a position the log does not hold yet, saying where the projection is', async () => {
    const head = await store.headPosition();
    const outcome = await clock.waitFor([counts.name], head + 1_000, 150);
    expect(outcome).toMatchObject({ reached: false, positions: [{ readModel: counts.name, position: head }] });
  });
});
