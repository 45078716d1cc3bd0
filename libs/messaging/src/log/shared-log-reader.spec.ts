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

/** Counts the reads that reach the store; `readAll` is the store's own, uncounted. */
function countReads(store: InMemoryEventStore): { count: number; readAll: InMemoryEventStore['readAll'] } {
  const readAll = store.readAll.bind(store);
  const counter = { count: 0, readAll };
  store.readAll = async (options) => {
    counter.count += 1;
    return readAll(options);
  };
  return counter;
}

const positions = (events: readonly { globalPosition: number }[]): number[] => events.map((e) => e.globalPosition);

describe('shared log reader', () => {
  it('gives every group the answer the store would, with one store read for groups waiting at the head together', async () => {
    const store = await storeWith(10);
    const reads = countReads(store);
    const reader = new SharedLogReader(store);
    const answers = await Promise.all(Array.from({ length: 8 }, () => reader.read({ fromGlobalPosition: 1, maxCount: 100 })));
    for (const answer of answers) expect(positions(answer)).toEqual(positions(await reads.readAll({ fromGlobalPosition: 1, maxCount: 100 })));
    expect(reads.count).toBe(1);

    await store.appendToStream('s-9', [{ type: 'warehouse.StockPicked', data: { n: 11 } }]);
    reads.count = 0;
    const next = await Promise.all(Array.from({ length: 8 }, () => reader.read({ fromGlobalPosition: 11, maxCount: 100 })));
    for (const answer of next) expect(positions(answer)).toEqual([11]);
    expect(reads.count).toBe(1);
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

  it('does not take "nothing new" from a fetch that began before the read: the append that woke the reader may be after its snapshot', async () => {
    const store = await storeWith(10);
    const readAll = store.readAll.bind(store);
    let gate: Promise<void> | undefined;
    store.readAll = async (options) => {
      const snapshot = await readAll(options); // what the statement sees, taken at once
      if (gate) await gate; // answered later
      return snapshot;
    };
    const reader = new SharedLogReader(store);
    expect(positions(await reader.read({ fromGlobalPosition: 1, maxCount: 100 }))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // Group A reads at the head; its fetch has taken its snapshot (nothing new) but not answered yet.
    let release!: () => void;
    gate = new Promise<void>((resolve) => (release = resolve));
    const a = reader.read({ fromGlobalPosition: 11, maxCount: 100 });
    await new Promise((resolve) => setImmediate(resolve));
    // An append commits, and wakes group B, which reads while A's fetch is still out.
    await store.appendToStream('s-1', [{ type: 'warehouse.StockPicked', data: { n: 11 } }]);
    const b = reader.read({ fromGlobalPosition: 11, maxCount: 100 });
    await new Promise((resolve) => setImmediate(resolve));
    gate = undefined;
    release();
    expect(positions(await a)).toEqual([]); // A's read began before the append: nothing new is a right answer
    expect(positions(await b)).toEqual([11]); // B was woken by the append: it must see it, not sleep until the next one
  });

  it('serves a group that armed its wait after the last fetch began, with nothing appended since, from the window', async () => {
    const store = await storeWith(10);
    const reads = countReads(store);
    const reader = new SharedLogReader(store);
    await reader.read({ fromGlobalPosition: 1, maxCount: 100 });
    // Group A armed its wait at this mark, then event 11 was appended and woke it.
    const armedA = reader.freshnessMark;
    await store.appendToStream('s-1', [{ type: 'warehouse.StockPicked', data: { n: 11 } }]);
    reads.count = 0;
    expect(positions(await reader.read({ fromGlobalPosition: 11, maxCount: 100, freshAfter: armedA }))).toEqual([11]);
    expect(reads.count).toBe(1);
    // Group B was busy with event 10 meanwhile and armed only now: nothing was appended since A's fetch began,
    // so the window is recent enough for it. (Counting fetches instead of appends, every group that armed at
    // another moment asked the store again: a dozen reads of the log per command on the embedded platform.)
    const armedB = reader.freshnessMark;
    expect(positions(await reader.read({ fromGlobalPosition: 10, maxCount: 100, freshAfter: armedB }))).toEqual([10, 11]);
    expect(reads.count).toBe(1);
    // A group that armed after another append must not be served a window without it.
    await store.appendToStream('s-2', [{ type: 'warehouse.StockPicked', data: { n: 12 } }]);
    const armedC = reader.freshnessMark;
    expect(positions(await reader.read({ fromGlobalPosition: 11, maxCount: 100, freshAfter: armedC }))).toEqual([11, 12]);
    expect(reads.count).toBe(2);
  });

  it('tells a group filtering by category how far the log holds nothing for it, without asking the store again', async () => {
    const store = await storeWith(10); // even positions: warehouse, odd: order
    const reads = countReads(store);
    const reader = new SharedLogReader(store);
    await reader.read({ fromGlobalPosition: 1, maxCount: 100 });
    // Three warehouse events are appended; a group reading only 'order' events arms its wait after them.
    for (let n = 11; n <= 13; n++) await store.appendToStream('s-1', [{ type: 'warehouse.StockPicked', data: { n } }]);
    const armed = reader.freshnessMark;
    const woken = await reader.readBatch({ fromGlobalPosition: 10, maxCount: 100, categories: ['order'], freshAfter: armed });
    expect(positions(woken.events)).toEqual([]);
    expect(woken.scannedTo).toBe(13); // nothing for it up to 13: it moves there
    expect(reads.count).toBe(2); // the fetch for the appends it was woken by, and no other
    // Read again from where it moved: nothing new, one fetch to be sure (the poll's case).
    const again = await reader.readBatch({ fromGlobalPosition: 14, maxCount: 100, categories: ['order'], freshAfter: reader.freshnessMark });
    expect([positions(again.events), again.scannedTo, reads.count]).toEqual([[], 13, 3]);
    // An order event after them is found from there.
    await store.appendToStream('s-2', [{ type: 'order.OrderPlaced', data: { n: 14 } }]);
    const next = await reader.readBatch({ fromGlobalPosition: 14, maxCount: 100, categories: ['order'], freshAfter: reader.freshnessMark });
    expect([positions(next.events), next.scannedTo]).toEqual([[14], 14]);
    // read() keeps the store's answer: it looks past other categories for the caller.
    expect(positions(await reader.read({ fromGlobalPosition: 10, maxCount: 100, categories: ['order'] }))).toEqual([14]);
  });
});
