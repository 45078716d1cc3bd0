import { performance } from 'node:perf_hooks';
import type { SqlEventStore } from '@bintrail/event-store';
import { HistorySimulation, type HistoryShape, type StreamAppend } from './history-sim';

export interface SeedProgress {
  readonly events: number;
  readonly target: number;
  readonly eventsPerSecond: number;
  /** Seconds left at the current rate (undefined before one is known). */
  readonly etaSeconds: number | undefined;
  readonly round: number;
}

export interface SeedOptions {
  /** Appends in flight at once (default 8; 1 on PGlite, which serialises them anyway). */
  readonly concurrency?: number;
  readonly onProgress?: (progress: SeedProgress) => void;
}

export interface SeedResult {
  readonly events: number;
  readonly streams: number;
  readonly appends: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Where the time went: deciding in memory, and waiting for appends (not overlapped with deciding). */
  readonly simulateSeconds: number;
  readonly appendSeconds: number;
  readonly typeCounts: Readonly<Record<string, number>>;
  readonly refused: Readonly<Record<string, number>>;
  readonly items: number;
  readonly bins: number;
  readonly warehouses: readonly string[];
}

/**
 * Writes a simulated history (see history-sim.ts) into `store`, round by round: each stream's events of a
 * round in one append with its exact expected version, the appends of a round concurrently (they do not
 * depend on each other), a round only after the previous one is stored (its events caused this one's).
 */
export async function seedHistory(store: SqlEventStore, shape: HistoryShape, options: SeedOptions = {}): Promise<SeedResult> {
  const concurrency = store.db.kind === 'pglite' ? 1 : (options.concurrency ?? 8);
  const simulation = new HistorySimulation(shape);
  const startedAt = Date.now();
  let written = 0;
  let appends = 0;
  const streams = new Set<string>();
  const report = () => {
    const seconds = (Date.now() - startedAt) / 1_000;
    const eventsPerSecond = seconds > 0 ? written / seconds : 0;
    options.onProgress?.({
      events: written,
      target: shape.events,
      eventsPerSecond,
      etaSeconds: eventsPerSecond > 0 ? Math.max(0, shape.events - written) / eventsPerSecond : undefined,
      round: simulation.round,
    });
  };
  let simulating = 0;
  let appending = 0;
  // The next round is decided in memory while this one's appends are in flight; it is appended only after.
  let inFlight: Promise<void> = Promise.resolve();
  while (!simulation.done) {
    const t0 = performance.now();
    const round = simulation.next();
    simulating += performance.now() - t0;
    const t1 = performance.now();
    await inFlight;
    appending += performance.now() - t1;
    report();
    inFlight = appendAll(store, round, concurrency).then(() => {
      for (const a of round) streams.add(a.streamId);
      appends += round.length;
      written += round.reduce((n, a) => n + a.events.length, 0);
    });
    if (round.length === 0) break; // nothing happens any more (cannot occur with daily work, but never loop forever)
  }
  const t2 = performance.now();
  await inFlight;
  appending += performance.now() - t2;
  report();
  const seconds = (Date.now() - startedAt) / 1_000;
  return {
    events: written,
    streams: streams.size,
    appends,
    seconds,
    eventsPerSecond: written / seconds,
    simulateSeconds: simulating / 1_000,
    appendSeconds: appending / 1_000,
    typeCounts: Object.fromEntries([...simulation.typeCounts].sort(([a], [b]) => (a < b ? -1 : 1))),
    refused: Object.fromEntries(simulation.refused),
    items: simulation.itemCount,
    bins: simulation.binCount,
    warehouses: simulation.codes,
  };
}

/** At most `concurrency` appends in flight; the first failure stops the run. */
async function appendAll(store: SqlEventStore, appends: readonly StreamAppend[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < appends.length) {
      const a = appends[next++]!;
      await store.appendToStream(a.streamId, a.events, { expectedVersion: a.expectedVersion });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, appends.length) }, worker));
}
