import { InMemoryEventStore } from '@bintrail/event-store';
import { SharedLogReader } from './shared-log-reader';

async function storeWith(count: number): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  for (let n = 1; n <= count; n++) {
    const type = n % 2 === 0 ? 'warehouse.StockReceived' : 'order.OrderPlaced';
    await store.appendToStream(`s-${n % 5}`, [{ type, data: { n } }]);
  }
  return store;
}

const positions = (events: readonly { globalPosition: number }[]): number[] => events.map((e) => e.globalPosition);

describe('shared log reader', () => {
  it('gives every group the answer the store would, with one store read for groups waiting at the head together', async () => {
    const store = await storeWith(10);
    let storeReads = 0;
    const readAll = store.readAll.bind(store);
    store.readAll = async (options) => {
      storeReads += 1;
      return readAll(options);
    };
    const reader = new SharedLogReader(store);
    const answers = await Promise.all(Array.from({ length: 8 }, () => reader.read({ fromGlobalPosition: 1, maxCount: 100 })));
    for (const answer of answers) expect(positions(answer)).toEqual(positions(await readAll({ fromGlobalPosition: 1, maxCount: 100 })));
    expect(storeReads).toBe(1);

    await store.appendToStream('s-9', [{ type: 'warehouse.StockPicked', data: { n: 11 } }]);
    storeReads = 0;
    const next = await Promise.all(Array.from({ length: 8 }, () => reader.read({ fromGlobalPosition: 11, maxCount: 100 })));
    for (const answer of next) expect(positions(answer)).toEqual([11]);
    expect(storeReads).toBe(1);
  });

  it('filters by category and honours maxCount like the store', async () => {
    const store = await storeWith(30);
    const reader = new SharedLogReader(store);
    await reader.read({ fromGlobalPosition: 1, maxCount: 1 }); // seeds the window at 1
    for (const [from, maxCount, categories] of [
      [1, 5, ['warehouse']],
      [4, 100, ['order']],
      [7, 3, undefined],
      [2, 100, ['warehouse', 'order']],
    ] as const) {
      const options = { fromGlobalPosition: from, maxCount, ...(categories ? { categories } : {}) };
      let got = await reader.read(options);
      // The reader hands over what its window holds; a caller comes back for the rest, as a consumer does.
      while (got.length < maxCount) {
        const more = await reader.read({ ...options, fromGlobalPosition: (got.at(-1)?.globalPosition ?? from - 1) + 1, maxCount: maxCount - got.length });
        if (more.length === 0) break;
        got = [...got, ...more];
      }
      expect(positions(got)).toEqual(positions(await store.readAll(options)));
    }
  });

  it('reads the store directly for a group behind its window, and keeps the window bounded', async () => {
    const store = await storeWith(50);
    const reader = new SharedLogReader(store, { windowSize: 10, fetchSize: 10 });
    let from = 1;
    while (from <= 50) {
      const batch = await reader.read({ fromGlobalPosition: from, maxCount: 100 });
      if (batch.length === 0) break;
      from = batch.at(-1)!.globalPosition + 1;
    }
    expect(from).toBe(51);
    const behind = await reader.read({ fromGlobalPosition: 3, maxCount: 4 });
    expect(positions(behind)).toEqual([3, 4, 5, 6]);
    expect(reader.counts.direct).toBe(1);
  });
});
