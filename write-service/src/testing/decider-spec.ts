import assert from 'node:assert/strict';
import type { Decider } from '../domain/decider.js';
import { evolveAll } from '../domain/decider.js';

type ErrorClass = abstract new (...args: never[]) => Error;

export interface DeciderSpec<Command, Event> {
  given(events: readonly Event[]): {
    when(command: Command): {
      /** Expects exactly these events, or a rejection of this error class (message matching `message`). */
      then(expected: readonly Event[] | ErrorClass, message?: RegExp): void;
    };
  };
}

/** given(events).when(command).then(events | ErrorClass): the decider's behaviour as a table. */
export function deciderSpec<Command, State, Event>(
  decider: Decider<Command, State, Event>,
): DeciderSpec<Command, Event> {
  return {
    given: (events) => ({
      when: (command) => ({
        then(expected, message) {
          const state = evolveAll(decider, events);
          if (Array.isArray(expected)) {
            assert.deepEqual(decider.decide(command, state), expected);
            return;
          }
          const errorClass = expected as ErrorClass;
          assert.throws(
            () => decider.decide(command, state),
            (error: unknown) => {
              assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
              if (message) assert.match(error.message, message);
              return true;
            },
          );
        },
      }),
    }),
  };
}
