// The state a TUI starts in.

import type { TuiState } from "./types.js";

export const ACTIVITY_CAPACITY = 2000;
const HOUR = 3_600_000;

export function initialState(socketPath: string, now = Date.now(), activityCapacity = ACTIVITY_CAPACITY): TuiState {
  return {
    view: "prompts",
    help: false,
    now,
    link: { kind: "connecting", socketPath },
    daemon: undefined,
    input: undefined,
    notice: undefined,
    quitArmed: false,
    prompts: { queue: [], current: undefined, choices: {}, row: 0, preview: undefined, shownAt: now, answering: undefined, error: undefined, settled: [] },
    activity: { lines: [], capacity: activityCapacity, total: 0, lagged: 0, verdict: "all", text: "", pausedAt: undefined, scroll: 0 },
    rules: { entries: [], loaded: false, error: undefined, search: "", owner: "all", selected: 0, confirmDelete: undefined, editor: undefined },
    history: { entries: [], loading: false, error: undefined, filter: { exe: "", host: "", verdict: "all", span: HOUR }, selected: 0, loadedAt: undefined },
  };
}
