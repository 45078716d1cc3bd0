import type { EventMetadata, NewEvent } from '@bintrail/contracts';
import { WrongExpectedVersion, type EventStore } from '@bintrail/event-store';

/** A stream's pure logic (STYLE.md): decide(command, state) → events, evolve(state, event) → state. */
export interface Decider<Command, Event extends { type: string; data: unknown }, State> {
  readonly decide: (command: Command, state: State) => readonly Event[];
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
}

export interface CommandOutcome<Event, State> {
  readonly events: readonly Event[];
  readonly state: State;
  /** Global position of the last event appended (or of the stream's last event when nothing new was decided). */
  readonly position: number;
  readonly streamVersion: number;
}

/**
 * Loads the stream, decides, appends with the version it decided on. A concurrent writer makes
 * the append fail with WrongExpectedVersion: then it reloads and decides again (bounded).
 */
export async function handleCommand<Command, Event extends { type: string; data: unknown }, State>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  metadata: Partial<EventMetadata> = {},
  maxAttempts = 20,
): Promise<CommandOutcome<Event, State>> {
  for (let attempt = 1; ; attempt++) {
    const history = await store.readStream(streamId);
    const state = history.reduce((s, e) => decider.evolve(s, e as unknown as Event), decider.initialState);
    const events = decider.decide(command, state);
    const lastPosition = history.at(-1)?.globalPosition ?? 0;
    if (events.length === 0) return { events, state, position: lastPosition, streamVersion: history.length };
    try {
      const newEvents: NewEvent[] = events.map((e) => ({ type: e.type, data: e.data, metadata }));
      const result = await store.appendToStream(streamId, newEvents, { expectedVersion: history.length === 0 ? 'no-stream' : history.length });
      return {
        events,
        state: events.reduce(decider.evolve, state),
        position: result.positions.at(-1)!.globalPosition,
        streamVersion: result.nextExpectedVersion,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion) || attempt >= maxAttempts) throw error;
    }
  }
}
