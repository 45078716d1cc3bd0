import { categoryOfType, type RecordedEvent } from '@bintrail/contracts';
import type { EventStore } from '@bintrail/event-store';

export interface SharedLogReaderOptions {
  /** Events kept in memory behind the newest one (default 20,000; up to a quarter more between trims). */
  readonly windowSize?: number;
  /** Events asked of the store by one read at the head (default 1,000). */
  readonly fetchSize?: number;
}

export interface SharedReadOptions {
  readonly fromGlobalPosition: number;
  readonly maxCount: number;
  readonly categories?: readonly string[];
  readonly freshAfter?: number;
}

/**
 * One read of the store's log for every consumer group of a process. Groups that are caught up all
 * want the same few new events at the same moment (each append wakes every group): without this,
 * each group ran its own SELECT on the log, a dozen statements per command on PGlite's single
 * connection. Groups near the head are served from a window of recent events; one fetch at a time
 * extends it, and every group waiting for the head shares that fetch. A group far behind (a
 * rebuild, a restart after a long stop) reads the store directly and does not disturb the window.
 *
 * Safe because the store's global log is gap-free for readers: once a read has returned the events
 * up to position P, no event at or below P can appear later, so the window is complete from its
 * first position to its last.
 */
export class SharedLogReader {
  private readonly windowSize: number;
  private readonly fetchSize: number;
  /** Every event of the log with a position in [from, coveredTo], in order. */
  private window: RecordedEvent[] = [];
  /** The category of each event of the window ('' when its type has none), found once, not by every group's read. */
  private categories: string[] = [];
  private from = 0;
  private coveredTo = 0;
  private fetching: { readonly mark: number; readonly done: Promise<void> } | undefined;
  /** Fetches started so far (the freshness mark of a store that does not count its appends). */
  private started = 0;
  /** The freshness mark when the last fetch that answered began: the window holds every append signalled up to it. */
  private answeredMark = -1;
  /** Reads served from the window, and reads that went to the store (for tests and status). */
  readonly counts = { shared: 0, fetches: 0, direct: 0 };

  constructor(
    private readonly store: Pick<EventStore, 'readAll' | 'appendsNotified'>,
    options: SharedLogReaderOptions = {},
  ) {
    this.windowSize = options.windowSize ?? 20_000;
    this.fetchSize = options.fetchSize ?? 1_000;
  }

  /**
   * Where the log stands for freshness: a fetch begun at this mark sees every append signalled before it. The
   * store's count of append signals where it keeps one (a fetch begun at the same count as a caller's wait is then
   * fresh enough for it: nothing was appended in between); else the fetches started so far (only a fetch begun
   * after the wait is). A caller about to wait for the next append notes it, and passes it as `freshAfter`.
   */
  get freshnessMark(): number {
    return this.store.appendsNotified ?? this.started;
  }

  /**
   * The same answer as `store.readAll` with these options (perhaps shorter: the caller comes back for the rest;
   * empty only when the log has nothing more for it). `freshAfter`: see `readBatch`.
   */
  async read(options: SharedReadOptions): Promise<RecordedEvent[]> {
    for (let from = options.fromGlobalPosition; ; ) {
      const { events, scannedTo } = await this.readBatch({ ...options, fromGlobalPosition: from });
      if (events.length > 0 || scannedTo < from) return events;
      from = scannedTo + 1; // only events of other categories so far
    }
  }

  /**
   * Events as `store.readAll` gives them with these options (perhaps fewer), and `scannedTo`: the log holds
   * nothing more for this caller up to that position (at least the last event returned; further when the events
   * after it are of other categories). A caller filtering by category moves past those without reading them
   * again, and an empty answer with `scannedTo` at or past `fromGlobalPosition` is not "nothing new": it is
   * "nothing for you up to there". `freshAfter`: the caller armed its wait for the next append when
   * `freshnessMark` was this; then a short answer must come from a window fetched at that mark or later (a
   * window fetched before may miss an append signalled before the caller armed, which would then wake nobody).
   */
  async readBatch(options: SharedReadOptions): Promise<{ events: RecordedEvent[]; scannedTo: number }> {
    const { freshAfter, ...storeOptions } = options; // the rest is what the store's own read takes
    const { fromGlobalPosition: from, maxCount } = storeOptions;
    const direct = (events: RecordedEvent[], scannedTo: number) => {
      this.counts.direct += 1;
      return { events, scannedTo: events.length > 0 ? events[events.length - 1]!.globalPosition : scannedTo };
    };
    if (this.fetching === undefined && this.coveredTo === 0) {
      // Nothing read yet: the window starts where the first caller asks, if near enough to the head to be worth keeping.
      this.from = from;
      this.coveredTo = from - 1;
    }
    if (from < this.from || from > this.coveredTo + 1) return direct(await this.store.readAll(storeOptions), from - 1);
    const wanted = storeOptions.categories ? new Set(storeOptions.categories) : undefined;
    // A fetch already running when this read began may have taken its snapshot before the append this caller
    // was woken for: finding nothing in it proves nothing. (Taken as "nothing new", the caller slept until the
    // next append or its poll: an order in a quiet embedded platform took 50 ms longer one time in two.)
    const markBefore = this.freshnessMark;
    const result: RecordedEvent[] = [];
    let next = from;
    for (;;) {
      for (let i = this.indexOf(next); i < this.window.length && result.length < maxCount; i++) {
        const event = this.window[i]!;
        if (!wanted || wanted.has(this.categories[i]!)) result.push(event);
        next = event.globalPosition + 1;
      }
      // Hand over what the window had before asking the store for more: the caller comes back for the rest,
      // and a fetch that finds nothing new is a statement for nothing. Unless the window is older than the
      // caller's wait (see freshAfter) and the answer is short: then ask the store first. The same when the
      // window held only other categories' events: they are the answer (scannedTo), not a reason to fetch.
      if (result.length >= maxCount) break;
      if ((result.length > 0 || next > from) && (freshAfter === undefined || this.answeredMark >= freshAfter)) break;
      next = this.coveredTo + 1;
      const before = this.coveredTo;
      const fetch = this.fetchHead();
      await fetch.done;
      if (this.coveredTo === before) {
        if (fetch.mark < markBefore) continue; // began before an append this read may be woken for: ask again
        break; // the log has nothing newer
      }
      if (next < this.from) {
        // The window moved past us while we waited (a huge burst): read the rest directly.
        const rest = await this.store.readAll({ ...storeOptions, fromGlobalPosition: next, maxCount: maxCount - result.length });
        return direct([...result, ...rest], next - 1);
      }
    }
    this.counts.shared += 1;
    return { events: result, scannedTo: next - 1 };
  }

  /** Extends the window with what the log holds after it; concurrent callers share one fetch. */
  private fetchHead(): { readonly mark: number; readonly done: Promise<void> } {
    if (this.fetching) return this.fetching;
    const mark = this.freshnessMark;
    this.started += 1;
    const done = (async () => {
      try {
        const events = await this.store.readAll({ fromGlobalPosition: this.coveredTo + 1, maxCount: this.fetchSize });
        this.counts.fetches += 1;
        this.answeredMark = Math.max(this.answeredMark, mark);
        if (events.length === 0) return;
        this.window.push(...events);
        this.categories.push(...events.map((event) => categoryOfType(event.type) ?? ''));
        this.coveredTo = events[events.length - 1]!.globalPosition;
        // Trimmed a quarter of the window at a time, not on every fetch once full: each trim copies the window.
        const excess = this.window.length - this.windowSize;
        if (excess > this.windowSize / 4) {
          this.window = this.window.slice(excess);
          this.categories = this.categories.slice(excess);
          this.from = this.window[0]!.globalPosition;
        }
      } finally {
        this.fetching = undefined;
      }
    })();
    this.fetching = { mark, done };
    return this.fetching;
  }

  /** Index of the first event at or after `position` (binary search; positions increase, with gaps). */
  private indexOf(position: number): number {
    let lo = 0;
    let hi = this.window.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.window[mid]!.globalPosition < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
