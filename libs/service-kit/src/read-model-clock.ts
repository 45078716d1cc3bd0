/** Response header of every GET that reads a read model: the checkpoint it answered from (the lowest, when it reads several). */
export const READ_POSITION_HEADER = 'bintrail-read-position';
/** Response header of every GET that reads a read model: the log's head minus that checkpoint (0 = caught up). */
export const LAG_HEADER = 'bintrail-lag';
/** Query parameter of every GET: wait (bounded) until the read model has reached this global position. */
export const MIN_POSITION_PARAM = 'minPosition';

/**
 * Where the clock learns each read model's checkpoint. `RunningProjections` from @bintrail/projections
 * fits as it is: `status` lists each projection with its checkpoint, `onProgress` pushes "caught up".
 */
export interface ReadModelProgress {
  readonly status: readonly { readonly projection: string; readonly checkpoint: number }[];
  /** Optional push: called back when a read model may have advanced; returns the unsubscribe function. */
  onProgress?(listener: () => void): () => void;
}

export interface ReadModelPosition {
  readonly readModel: string;
  /** The read model's checkpoint: the global position of the last event it has applied or skipped. */
  readonly position: number;
}

export type WaitOutcome =
  | { readonly reached: true; readonly positions: readonly ReadModelPosition[] }
  | { readonly reached: false; readonly positions: readonly ReadModelPosition[]; readonly waitedMs: number };

export interface ReadModelClockOptions {
  /** Longest wait for a `minPosition` before the read is refused with 503 (default 2000 ms). */
  readonly maxWaitMs?: number;
  /** Re-check period while someone waits, for progress that is not pushed (long catch-ups); default 20 ms. */
  readonly pollMs?: number;
}

/** A read named a read model that nothing runs: a programming error, reported at start-up by verifyReadsFrom. */
export class UnknownReadModel extends Error {
  override readonly name = 'UnknownReadModel';
  constructor(
    readonly readModel: string,
    readonly known: readonly string[],
    where?: string,
  ) {
    super(`${where ? `${where}: ` : ''}read model '${readModel}' is not running (running: ${known.join(', ') || 'none'})`);
  }
}

interface Waiter {
  readonly readModels: readonly string[];
  readonly minPosition: number;
  readonly resolve: (reached: boolean) => void;
}

/**
 * Knows how far each read model has got (its checkpoint) and where the log's head is, and lets a read
 * wait until its read model has reached a position (read-your-writes). Checkpoints are compared with
 * `>=` only: global positions have gaps, and a projection moves its checkpoint over the events it
 * skips as well as over those it applies, so any position the log holds is eventually reached.
 */
export class ReadModelClock {
  readonly maxWaitMs: number;
  private readonly pollMs: number;
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private headQuery: Promise<number> | undefined;

  constructor(
    private readonly progress: ReadModelProgress,
    private readonly readHead: () => Promise<number>,
    options: ReadModelClockOptions = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? 2_000;
    this.pollMs = options.pollMs ?? 20;
    this.unsubscribe = progress.onProgress?.(() => this.check());
  }

  /** Names of the read models this clock knows. */
  readModels(): string[] {
    return this.progress.status.map((p) => p.projection);
  }

  /** The named read models' checkpoints now; throws UnknownReadModel for a name nothing runs. */
  positions(readModels: readonly string[]): ReadModelPosition[] {
    const status = this.progress.status;
    return readModels.map((readModel) => {
      const found = status.find((p) => p.projection === readModel);
      if (!found) throw new UnknownReadModel(readModel, status.map((p) => p.projection));
      return { readModel, position: found.checkpoint };
    });
  }

  /** Highest global position in the store; callers arriving while a query runs share it. */
  head(): Promise<number> {
    this.headQuery ??= this.readHead().finally(() => (this.headQuery = undefined));
    return this.headQuery;
  }

  /**
   * Resolves as soon as every named read model's checkpoint is at least `minPosition` (at once when it
   * is already), or after `timeoutMs` with `reached: false` and where each one stands.
   */
  async waitFor(readModels: readonly string[], minPosition: number, timeoutMs = this.maxWaitMs): Promise<WaitOutcome> {
    if (this.reached(readModels, minPosition)) return { reached: true, positions: this.positions(readModels) };
    const started = Date.now();
    const reached = await new Promise<boolean>((resolve) => {
      const timeout = setTimeout(() => settle(false), timeoutMs);
      const waiter: Waiter = { readModels, minPosition, resolve: (ok) => settle(ok) };
      const settle = (ok: boolean): void => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timeout);
        if (this.waiters.size === 0) this.stopPolling();
        resolve(ok);
      };
      this.waiters.add(waiter);
      this.timer ??= setInterval(() => this.check(), this.pollMs);
      this.timer.unref?.();
    });
    const positions = this.positions(readModels);
    return reached ? { reached: true, positions } : { reached: false, positions, waitedMs: Date.now() - started };
  }

  /** Releases the waiters (as not reached) and stops listening. */
  close(): void {
    for (const waiter of [...this.waiters]) waiter.resolve(false);
    this.stopPolling();
    this.unsubscribe?.();
  }

  private reached(readModels: readonly string[], minPosition: number): boolean {
    return this.positions(readModels).every((p) => p.position >= minPosition);
  }

  private check(): void {
    if (this.waiters.size === 0) return;
    const checkpoints = new Map(this.progress.status.map((p) => [p.projection, p.checkpoint] as const));
    for (const waiter of [...this.waiters]) {
      if (waiter.readModels.every((name) => (checkpoints.get(name) ?? -1) >= waiter.minPosition)) waiter.resolve(true);
    }
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Lowest checkpoint of the read models a read uses, and how far it is behind the head (never negative). */
export function readPosition(positions: readonly ReadModelPosition[], head: number): { position: number; lag: number } {
  const position = positions.length === 0 ? head : Math.min(...positions.map((p) => p.position));
  return { position, lag: Math.max(0, head - position) };
}

export type MinPosition = { readonly ok: true; readonly value: number | undefined } | { readonly ok: false; readonly error: string };

/**
 * `?minPosition=` as given in a query string: absent, or one non-negative integer (a `bintrail-position`
 * header value). Anything else — negative, fractional, empty, not a number, given twice, beyond 2^53 — is refused.
 */
export function parseMinPosition(raw: unknown): MinPosition {
  if (raw === undefined) return { ok: true, value: undefined };
  const refuse = (got: string): MinPosition => ({
    ok: false,
    error: `must be a non-negative integer (the bintrail-position header of a command's response), got ${got}`,
  });
  if (Array.isArray(raw)) return { ok: false, error: `must be given once, got ${raw.length} values` };
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? { ok: true, value: raw } : refuse(`'${raw}'`);
  if (typeof raw !== 'string') return refuse(typeof raw);
  if (!/^\d{1,16}$/.test(raw)) return refuse(`'${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}'`);
  const value = Number(raw);
  return Number.isSafeInteger(value) ? { ok: true, value } : refuse(`'${raw}'`);
}
