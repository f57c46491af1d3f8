// Starts the TUI on this terminal (full screen, restored on exit) and says, when it ends,
// that the daemon keeps enforcing.

import { render } from "ink";
import { DaemonLink } from "../link/daemon-link.js";
import { initialState } from "../state/initial.js";
import { userIsGoverned } from "../state/governed.js";
import { Store } from "../state/store.js";
import { localeIsUtf8 } from "../format/sparkline.js";
import { App } from "./App.js";
import { ThemeContext } from "./theme-context.js";
import { makeTheme } from "./theme.js";

export interface TuiOptions {
  socketPath: string;
  shellHint: string;
  startHint: string;
  stopHint: string;
  keyGuardMs: number;
}

/** Runs until the person quits; resolves with the line to print after the screen is restored. */
export async function startTui(o: TuiOptions): Promise<string> {
  const store = new Store(initialState(o.socketPath));
  const link = new DaemonLink({ socketPath: o.socketPath, dispatch: store.dispatch });
  const uid = process.getuid?.() ?? -1;
  // Read when drawn: the daemon's status arrives after the first screen.
  const guidance = {
    get governed() {
      return userIsGoverned(store.getState().daemon?.governed?.users, uid);
    },
    shellHint: o.shellHint,
    tryCommand: "curl -sI http://deb.debian.org/",
  };
  const instance = render(
    <ThemeContext.Provider value={makeTheme()}>
      <App store={store} link={link} guidance={guidance} startHint={o.startHint} ascii={!localeIsUtf8()} keyGuardMs={o.keyGuardMs} onQuit={() => link.stop()} />
    </ThemeContext.Provider>,
    { interactive: true, alternateScreen: true, exitOnCtrlC: false, patchConsole: true },
  );
  await instance.waitUntilExit();
  const s = store.getState();
  const pid = s.daemon?.daemon.pid;
  if (s.link.kind === "up" || pid !== undefined) {
    return `sockgate: the TUI closed; the daemon${pid === undefined ? "" : ` (pid ${pid})`} keeps enforcing your rules. Calls no rule decides now get the "nobody listening" answer (deny unless configured) and wait for review. ${o.stopHint} stops it.`;
  }
  return "sockgate: the TUI closed.";
}
