import { InMemoryEventStore } from '@bintrail/event-store';
import { StreamCommandHandler } from './stream-handler';

/** A stock counter that refuses to go below zero: enough to see lost updates or double decisions. */
type Event = { type: 'test.Taken'; data: { n: number } } | { type: 'test.Added'; data: { n: number } };
type Command = { take: number } | { add: number };
const decider = {
  initialState: 0,
  evolve: (s: number, e: Event) => (e.type === 'test.Added' ? s + e.data.n : s - e.data.n),
  decide: (c: Command, s: number): Event[] => {
    if ('add' in c) return [{ type: 'test.Added', data: { n: c.add } }];
    if (c.take > s) throw new Error(`only ${s} left`);
    return [{ type: 'test.Taken', data: { n: c.take } }];
  },
};

describe('stream command handler', () => {
  it('serialises commands on one stream and never decides on stale state, even against another process', async () => {
    const store = new InMemoryEventStore();
    const here = new StreamCommandHandler(store, decider);
    const elsewhere = new StreamCommandHandler(store, decider); // another process's cache of the same stream
    await here.handle('s-1', { add: 10 });
    const attempts = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? here : elsewhere).handle('s-1', { take: 1 }));
    const outcomes = await Promise.allSettled(attempts);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect((await here.load('s-1')).state).toBe(0);
    expect((await elsewhere.load('s-1')).state).toBe(0);
    expect(await store.readStream('s-1')).toHaveLength(11);
  });

  it('decides on its cached state without reading the stream; after a conflict it reads only the newer events', async () => {
    const store = new InMemoryEventStore();
    const handler = new StreamCommandHandler(store, decider);
    for (let i = 0; i < 5; i++) await handler.handle('s-2', { add: 1 });
    const reads: number[] = [];
    const readStream = store.readStream.bind(store);
    store.readStream = async (id, options) => {
      const events = await readStream(id, options);
      reads.push(events.length);
      return events;
    };
    const outcome = await handler.handle('s-2', { take: 2 });
    expect(outcome).toMatchObject({ state: 3, streamVersion: 6 });
    expect(reads).toEqual([]);
    // Another writer adds 4: the cached state (3) is stale, the append says so, the two newer events are read.
    await store.appendToStream('s-2', [{ type: 'test.Added', data: { n: 4 } }]);
    await expect(handler.handle('s-2', { take: 5 })).resolves.toMatchObject({ state: 2, streamVersion: 8 });
    expect(reads).toEqual([1]);
    // A refusal on the cached state is checked against the store before it is given.
    await store.appendToStream('s-2', [{ type: 'test.Added', data: { n: 10 } }]);
    await expect(handler.handle('s-2', { take: 12 })).resolves.toMatchObject({ state: 0, streamVersion: 10 });
    expect(reads).toEqual([1, 1]);
    await expect(handler.handle('s-2', { take: 1 })).rejects.toThrow('only 0 left');
    expect(reads).toEqual([1, 1, 0]);
  });

  it('does not read a stream it has never seen before appending to it; an existing one it did not know is read after the conflict', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('s-old', [{ type: 'test.Added', data: { n: 3 } }]);
    const handler = new StreamCommandHandler(store, decider);
    const reads: string[] = [];
    const readStream = store.readStream.bind(store);
    store.readStream = async (id, options) => {
      reads.push(id);
      return readStream(id, options);
    };
    await expect(handler.handle('s-new', { add: 1 })).resolves.toMatchObject({ state: 1, streamVersion: 1 });
    expect(reads).toEqual([]);
    await expect(handler.handle('s-old', { add: 1 })).resolves.toMatchObject({ state: 4, streamVersion: 2 });
    expect(reads).toEqual(['s-old']);
  });

  it('appends the commands that waited together in one append, each with its own outcome; a refused one fails alone', async () => {
    const store = new InMemoryEventStore();
    const handler = new StreamCommandHandler(store, decider);
    await handler.handle('s-3', { add: 5 });
    const appends: number[] = [];
    const append = store.appendToStream.bind(store);
    store.appendToStream = async (id, events, options) => {
      appends.push(events.length);
      return append(id, events, options);
    };
    // Nine commands arriving in one turn of the event loop: take 1 ×4, take 9 (refused: 1 left), add 2, take 1 ×3.
    const commands: Command[] = [{ take: 1 }, { take: 1 }, { take: 1 }, { take: 1 }, { take: 9 }, { add: 2 }, { take: 1 }, { take: 1 }, { take: 1 }];
    const outcomes = await Promise.allSettled(commands.map((c, i) => handler.handle('s-3', c, { correlationId: `c-${i}` })));
    expect(appends).toEqual([8]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.state : (o.reason as Error).message))).toEqual([4, 3, 2, 1, 'only 1 left', 3, 2, 1, 0]);
    const stored = await store.readStream('s-3');
    expect(stored).toHaveLength(9);
    // Each command's position is its own event's, and its events carry its own metadata.
    for (const [i, o] of outcomes.entries()) {
      if (o.status !== 'fulfilled') continue;
      const event = stored.find((e) => e.globalPosition === o.value.position)!;
      expect(event.metadata.correlationId).toBe(`c-${i}`);
      expect(o.value.streamVersion).toBe(event.streamPosition);
    }
  });
});
