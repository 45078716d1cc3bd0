/** What startWithBackoff needs: one try, how to undo a try that succeeded too late, and when to give up. */
export interface StartWithBackoffOptions<T> {
  /** One try. Throws when it failed, having released whatever it had built. */
  readonly start: () => Promise<T>;
  /** Aborting stops the tries: no new one begins, and one that succeeds after the abort is disposed of. */
  readonly signal: AbortSignal;
  /** Releases what a try built when it succeeded after the abort. Must not throw. */
  readonly dispose: (started: T) => Promise<void>;
  /** Wait before the first try (default 1 s); each failure doubles it, up to maxDelayMs (default 30 s). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Told of each failed try and how long until the next. */
  readonly onFailure?: (error: unknown, attempt: number, nextDelayMs: number) => void;
  /** Waits `ms`, returning early when `signal` aborts (tests pass a fake clock's). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Calls `start` until it succeeds or `signal` aborts, waiting initialDelayMs before the first try and
 * doubling the wait after each failure (capped): a consumer whose broker is away for an hour keeps
 * trying twice a minute instead of hammering it, and resumes on its own once the broker is back.
 * Resolves with what `start` built, or undefined when aborted. Never rejects.
 */
export async function startWithBackoff<T>(options: StartWithBackoffOptions<T>): Promise<T | undefined> {
  const sleep = options.sleep ?? abortableSleep;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let delayMs = Math.min(options.initialDelayMs ?? 1_000, maxDelayMs);
  for (let attempt = 1; ; attempt++) {
    await sleep(delayMs, options.signal);
    if (options.signal.aborted) return undefined;
    try {
      const started = await options.start();
      if (!options.signal.aborted) return started;
      await options.dispose(started);
      return undefined;
    } catch (error) {
      if (options.signal.aborted) return undefined;
      delayMs = Math.min(delayMs * 2, maxDelayMs);
      options.onFailure?.(error, attempt, delayMs);
    }
  }
}

/** setTimeout that resolves early (and clears its timer) when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
