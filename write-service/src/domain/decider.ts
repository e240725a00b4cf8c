/**
 * A decider (Emmett style): the pure core of an aggregate. `decide` turns a command and the current
 * state into new events or throws a LedgerError; `evolve` folds one event into the state. No I/O:
 * whatever a command needs from the outside world (ids, amounts, time) travels inside it.
 */
export interface Decider<Command, State, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into a state, from the decider's initial state unless one is given. */
export function evolveAll<Command, State, Event>(
  decider: Decider<Command, State, Event>,
  events: readonly Event[],
  from: State = decider.initialState(),
): State {
  return events.reduce((state, event) => decider.evolve(state, event), from);
}
