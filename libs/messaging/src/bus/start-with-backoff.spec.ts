import { abortableSleep, startWithBackoff } from './start-with-backoff';

/** A fake clock for the backoff: records each wait and returns at once (or when aborted). */
function recordingSleep(): { waits: number[]; sleep: (ms: number, signal: AbortSignal) => Promise<void> } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

/** A start() that fails `failures` times, then returns the try number. */
function flaky(failures: number): { calls: () => number; start: () => Promise<number> } {
  let calls = 0;
  return {
    calls: () => calls,
    start: async () => {
      calls += 1;
      if (calls <= failures) throw new Error(`broker away (try ${calls})`);
      return calls;
    },
  };
}

describe('startWithBackoff', () => {
  it('keeps trying with a doubling, capped wait until start() succeeds', async () => {
    const { waits, sleep } = recordingSleep();
    const target = flaky(7);
    const failures: [string, number, number][] = [];
    const result = await startWithBackoff({
      start: target.start,
      signal: new AbortController().signal,
      dispose: async () => undefined,
      sleep,
      onFailure: (error, attempt, next) => failures.push([(error as Error).message, attempt, next]),
    });
    expect(result).toBe(8);
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(failures[0]).toEqual(['broker away (try 1)', 1, 2_000]);
    expect(failures).toHaveLength(7);
  });

  it('takes its delays from the options', async () => {
    const { waits, sleep } = recordingSleep();
    await startWithBackoff({ start: flaky(3).start, signal: new AbortController().signal, dispose: async () => undefined, sleep, initialDelayMs: 50, maxDelayMs: 150 });
    expect(waits).toEqual([50, 100, 150, 150]);
  });

  it('stops trying once aborted, and resolves with nothing', async () => {
    const controller = new AbortController();
    const target = flaky(Infinity);
    const started = startWithBackoff({ start: target.start, signal: controller.signal, dispose: async () => undefined, initialDelayMs: 5, maxDelayMs: 5 });
    await new Promise((r) => setTimeout(r, 40));
    controller.abort();
    await expect(started).resolves.toBeUndefined();
    const calls = target.calls();
    expect(calls).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(target.calls()).toBe(calls);
  });

  it('disposes of what a try built when the abort came while it was running', async () => {
    const controller = new AbortController();
    const disposed: string[] = [];
    const started = startWithBackoff({
      start: async () => {
        controller.abort(); // stop() arrives while this try is still connecting
        return 'consumer-2';
      },
      signal: controller.signal,
      dispose: async (value) => void disposed.push(value),
      initialDelayMs: 1,
    });
    await expect(started).resolves.toBeUndefined();
    expect(disposed).toEqual(['consumer-2']);
  });

  it('abortableSleep wakes up at once on abort (no timer left waiting)', async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
