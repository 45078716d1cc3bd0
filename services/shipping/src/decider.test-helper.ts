import type { ShippingError } from './shipping-errors.domain';

interface PureDecider<Command, Event, State> {
  readonly decide: (command: Command, state: State) => readonly Event[];
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
}

/**
 * given(past events).when(command).then(new events) — `then` returns the state after them — or
 * .thenThrows(ErrorClass, fields), for any of the shipping deciders.
 */
export function specify<Command, Event, State>(decider: PureDecider<Command, Event, State>) {
  return function given(...history: readonly (Event | readonly Event[])[]) {
    const state = (history as readonly (Event | readonly Event[])[]).flat().reduce<State>((s, e) => decider.evolve(s, e as Event), decider.initialState);
    return {
      state,
      when: (command: Command) => ({
        then(expected: readonly Event[]): State {
          const events = decider.decide(command, state);
          expect(events).toStrictEqual(expected); // strict: no `undefined` fields, the data is plain JSON
          return events.reduce(decider.evolve, state);
        },
        thenThrows<E extends ShippingError>(type: new (...args: never[]) => E, fields: Partial<E> = {}): void {
          let thrown: unknown;
          try {
            decider.decide(command, state);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(type);
          expect(thrown).toMatchObject({ name: type.name, ...fields });
        },
      }),
    };
  };
}
