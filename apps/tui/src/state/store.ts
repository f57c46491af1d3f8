// The state outside React: key handlers read it at once, so keys that arrive together
// ("a", "f", Enter in one read) each see what the ones before them did, before any render.
// The store stamps the clock on every action; the reducer stays pure.

import type { Action } from "./actions.js";
import { reducer } from "./reducer.js";
import type { TuiState } from "./types.js";

export class Store {
  private listeners = new Set<() => void>();

  constructor(
    private state: TuiState,
    private readonly clock: () => number = Date.now,
  ) {}

  getState = (): TuiState => this.state;

  /** The state with the clock read now (key handlers use it for time-based checks). */
  fresh = (): TuiState => ({ ...this.state, now: this.clock() });

  dispatch = (action: Action): void => {
    this.state = reducer({ ...this.state, now: this.clock() }, action);
    for (const l of this.listeners) l();
  };

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
