import type { EventMetadata, NewEvent, RecordedEvent } from '@bintrail/contracts';
import { WrongExpectedVersion, type EventStore } from '@bintrail/event-store';
import type { CommandOutcome, Decider } from './command';

interface Cached<State> {
  state: State;
  version: number;
  position: number;
}

interface Pending<Command, Event, State> {
  readonly command: Command;
  readonly metadata: Partial<EventMetadata>;
  readonly resolve: (outcome: CommandOutcome<Event, State>) => void;
  readonly reject: (error: unknown) => void;
}

/** What one command of a batch decided: its events' slice of the batch's append. */
type Decision<Command, Event, State> =
  | { readonly pending: Pending<Command, Event, State>; readonly refused: unknown }
  | { readonly pending: Pending<Command, Event, State>; readonly events: readonly Event[]; readonly state: State; readonly from: number };

/**
 * Runs commands against long-lived streams (a warehouse's stock) without re-reading them whole:
 * the last state and version of each stream are kept in memory, commands are decided on it and
 * appended with its version as the expected one; only when that fails (or a command is refused, or
 * nothing is to be appended) are the newer events read and the commands decided again. Commands on
 * one stream are decided one at a time in this process, in arrival order (no conflict storm between
 * our own requests); another process writing the same stream makes the append fail with
 * WrongExpectedVersion, and the commands catch up and decide again.
 *
 * Group commit: commands that arrive while a stream's append is in flight wait, then are decided in
 * turn, each on the state the ones before it left, and their events go to the store in ONE append
 * (one round trip, one transaction). Each command still gets its own outcome — its events, the state
 * after them, the global position of its own last event — and a command the decider refuses fails
 * alone, leaving the state as it was for the next. The result is the same as running them one by
 * one; a busy warehouse stream no longer pays a store round trip per command.
 */
export class StreamCommandHandler<Command, Event extends { type: string; data: unknown }, State> {
  private readonly cache = new Map<string, Cached<State>>();
  private readonly waiting = new Map<string, Pending<Command, Event, State>[]>();
  private readonly running = new Set<string>();

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<Command, Event, State>,
    private readonly options: { maxAttempts?: number; maxCachedStreams?: number; maxBatch?: number } = {},
  ) {}

  handle(streamId: string, command: Command, metadata: Partial<EventMetadata> = {}): Promise<CommandOutcome<Event, State>> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(streamId) ?? [];
      queue.push({ command, metadata, resolve, reject });
      this.waiting.set(streamId, queue);
      if (this.running.has(streamId)) return;
      this.running.add(streamId);
      // Start on the next turn of the event loop, not now: requests already read from their sockets reach
      // this queue first. (PGlite answers within the microtask queue, so a request could otherwise run from
      // its first byte to its answer before the next one is even parsed, and no two commands would batch.)
      setImmediate(() => void this.drain(streamId));
    });
  }

  /** The stream's current state (caught up with the store). */
  async load(streamId: string): Promise<{ state: State; version: number; position: number }> {
    return this.catchUp(streamId);
  }

  /** Runs the stream's waiting commands, a batch at a time, until none is left. */
  private async drain(streamId: string): Promise<void> {
    try {
      for (;;) {
        const queue = this.waiting.get(streamId);
        if (!queue || queue.length === 0) break;
        const batch = queue.splice(0, this.options.maxBatch ?? 200);
        if (queue.length === 0) this.waiting.delete(streamId);
        try {
          await this.decideAndAppend(streamId, batch);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      if (this.waiting.get(streamId)?.length) void this.drain(streamId);
      else this.running.delete(streamId);
    }
  }

  private async decideAndAppend(streamId: string, batch: readonly Pending<Command, Event, State>[]): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 20;
    // First on the cached state, without reading the stream: the append's expected version proves it current
    // (PGlite runs one statement at a time, and this read was one per command batch on every stream). A
    // conflict, a refusal or nothing to append on a state not read just now: read what is newer, decide again.
    let verified = false;
    for (let attempt = 1; ; attempt++) {
      const current = verified ? await this.catchUp(streamId) : this.cached(streamId);
      const decisions: Decision<Command, Event, State>[] = [];
      const all: NewEvent[] = [];
      let state = current.state;
      for (const pending of batch) {
        let events: readonly Event[];
        try {
          events = this.decider.decide(pending.command, state);
        } catch (refused) {
          decisions.push({ pending, refused });
          continue;
        }
        state = events.reduce(this.decider.evolve, state);
        decisions.push({ pending, events, state, from: all.length });
        for (const e of events) all.push({ type: e.type, data: e.data, metadata: pending.metadata });
      }
      const settledWithoutAppend = all.length === 0 || decisions.some((d) => 'refused' in d);
      if (!verified && settledWithoutAppend) {
        verified = true;
        attempt -= 1; // not a conflict
        continue;
      }
      if (all.length === 0) {
        for (const d of decisions) {
          if ('refused' in d) d.pending.reject(d.refused);
          else d.pending.resolve({ events: d.events, state: d.state, position: current.position, streamVersion: current.version });
        }
        return;
      }
      let result;
      try {
        result = await this.store.appendToStream(streamId, all, { expectedVersion: current.version === 0 ? 'no-stream' : current.version });
      } catch (error) {
        if (error instanceof WrongExpectedVersion && attempt < maxAttempts) {
          verified = true;
          continue;
        }
        throw error;
      }
      this.remember(streamId, { state, version: result.nextExpectedVersion, position: result.positions.at(-1)!.globalPosition });
      for (const d of decisions) {
        if ('refused' in d) {
          d.pending.reject(d.refused);
          continue;
        }
        // Its own last event: where this command's effects are; nothing decided: where the stream stood before it.
        const end = d.from + d.events.length;
        const position = d.events.length > 0 ? result.positions[end - 1]!.globalPosition : d.from > 0 ? result.positions[d.from - 1]!.globalPosition : current.position;
        d.pending.resolve({ events: d.events, state: d.state, position, streamVersion: current.version + end });
      }
      return;
    }
  }

  /** What this process last knew of the stream (nothing: the empty stream), not checked against the store. */
  private cached(streamId: string): Cached<State> {
    return this.cache.get(streamId) ?? { state: this.decider.initialState, version: 0, position: 0 };
  }

  private async catchUp(streamId: string): Promise<Cached<State>> {
    const cached = this.cached(streamId);
    const newer: RecordedEvent[] = await this.store.readStream(streamId, { from: cached.version + 1 });
    if (newer.length === 0) return cached;
    const next = {
      state: newer.reduce((s, e) => this.decider.evolve(s, e as unknown as Event), cached.state),
      version: newer.at(-1)!.streamPosition,
      position: newer.at(-1)!.globalPosition,
    };
    this.remember(streamId, next);
    return next;
  }

  private remember(streamId: string, entry: Cached<State>): void {
    this.cache.delete(streamId);
    this.cache.set(streamId, entry);
    const max = this.options.maxCachedStreams ?? 10_000;
    if (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
  }
}
