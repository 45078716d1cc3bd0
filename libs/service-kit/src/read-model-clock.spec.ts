import { parseMinPosition, ReadModelClock, readPosition, UnknownReadModel, type ReadModelProgress } from './read-model-clock';

/** Read models whose checkpoints a test moves by hand; `push` says whether they announce it. */
function fakeProgress(initial: Record<string, number>, push = true) {
  const checkpoints = new Map(Object.entries(initial));
  const listeners = new Set<() => void>();
  const progress: ReadModelProgress = {
    get status() {
      return [...checkpoints].map(([projection, checkpoint]) => ({ projection, checkpoint }));
    },
    ...(push
      ? {
          onProgress: (listener: () => void) => {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        }
      : {}),
  };
  return {
    progress,
    listeners,
    advance(name: string, checkpoint: number) {
      checkpoints.set(name, checkpoint);
      for (const listener of listeners) listener();
    },
  };
}

describe('minPosition parsing', () => {
  it('takes absent or one non-negative integer', () => {
    expect(parseMinPosition(undefined)).toEqual({ ok: true, value: undefined });
    expect(parseMinPosition('0')).toEqual({ ok: true, value: 0 });
    expect(parseMinPosition('42')).toEqual({ ok: true, value: 42 });
    expect(parseMinPosition('007')).toEqual({ ok: true, value: 7 });
    expect(parseMinPosition('9007199254740991')).toEqual({ ok: true, value: Number.MAX_SAFE_INTEGER });
    expect(parseMinPosition(12)).toEqual({ ok: true, value: 12 });
  });

  it.each(['-1', '', '1.5', '1e3', 'abc', ' 3', '0x10', '9007199254740993', '99999999999999999999'])('refuses %p, saying what it wants', (raw) => {
    const parsed = parseMinPosition(raw);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^must be a non-negative integer .*got '/);
  });

  it('refuses a repeated parameter, a negative number and other types', () => {
    expect(parseMinPosition(['1', '2'])).toEqual({ ok: false, error: 'must be given once, got 2 values' });
    expect(parseMinPosition(-1).ok).toBe(false);
    expect(parseMinPosition({ a: 1 }).ok).toBe(false);
  });
});

describe('read model clock', () => {
  it('answers at once when the read model is already there, and names an unknown one', async () => {
    const { progress } = fakeProgress({ items: 10 });
    const clock = new ReadModelClock(progress, async () => 10);
    const started = Date.now();
    await expect(clock.waitFor(['items'], 10)).resolves.toEqual({ reached: true, positions: [{ readModel: 'items', position: 10 }] });
    expect(Date.now() - started).toBeLessThan(20);
    expect(() => clock.positions(['nope'])).toThrow(UnknownReadModel);
    await expect(clock.waitFor(['nope'], 1)).rejects.toThrow("read model 'nope' is not running (running: items)");
    clock.close();
  });

  it('wakes a waiter when the read model announces progress (every named read model must get there)', async () => {
    const fake = fakeProgress({ items: 3, stock: 3 });
    const clock = new ReadModelClock(fake.progress, async () => 9, { pollMs: 10_000 }); // polling would be far too slow: only the push can win
    const waiting = clock.waitFor(['items', 'stock'], 7, 5_000);
    fake.advance('items', 8);
    let settled = false;
    void waiting.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // stock is still at 3
    const started = Date.now();
    fake.advance('stock', 9); // a gap: 7 itself never existed, 9 >= 7 is enough
    await expect(waiting).resolves.toEqual({ reached: true, positions: [{ readModel: 'items', position: 8 }, { readModel: 'stock', position: 9 }] });
    expect(Date.now() - started).toBeLessThan(50);
    clock.close();
  });

  it('polls read models that do not announce progress', async () => {
    const fake = fakeProgress({ items: 0 }, false);
    const clock = new ReadModelClock(fake.progress, async () => 5, { pollMs: 5 });
    const waiting = clock.waitFor(['items'], 5, 2_000);
    setTimeout(() => fake.advance('items', 5), 30);
    await expect(waiting).resolves.toMatchObject({ reached: true });
    clock.close();
  });

  it('gives up after the timeout, saying where the read model stands', async () => {
    const { progress } = fakeProgress({ items: 4 });
    const clock = new ReadModelClock(progress, async () => 4, { maxWaitMs: 100 });
    const started = Date.now();
    const outcome = await clock.waitFor(['items'], 1_000);
    expect(outcome).toMatchObject({ reached: false, positions: [{ readModel: 'items', position: 4 }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(!outcome.reached && outcome.waitedMs).toBeGreaterThanOrEqual(95);
    clock.close();
  });

  it('releases its waiters and stops listening when closed', async () => {
    const fake = fakeProgress({ items: 0 });
    const clock = new ReadModelClock(fake.progress, async () => 0);
    const waiting = clock.waitFor(['items'], 1, 60_000);
    clock.close();
    await expect(waiting).resolves.toMatchObject({ reached: false });
    expect(fake.listeners.size).toBe(0);
  });

  it('shares one head query between callers arriving together', async () => {
    let queries = 0;
    const clock = new ReadModelClock(fakeProgress({}).progress, async () => {
      queries += 1;
      await new Promise((r) => setTimeout(r, 10));
      return 77;
    });
    expect(await Promise.all([clock.head(), clock.head(), clock.head()])).toEqual([77, 77, 77]);
    expect(queries).toBe(1);
    expect(await clock.head()).toBe(77);
    expect(queries).toBe(2);
    clock.close();
  });

  it('reports the lowest checkpoint and a lag that is never negative', () => {
    expect(readPosition([{ readModel: 'a', position: 5 }, { readModel: 'b', position: 3 }], 10)).toEqual({ position: 3, lag: 7 });
    expect(readPosition([{ readModel: 'a', position: 12 }], 10)).toEqual({ position: 12, lag: 0 });
  });
});
