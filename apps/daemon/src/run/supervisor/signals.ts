// Signals between the terminal, sockgate run and the command, so that Ctrl-C and job
// control behave as without sockgate run. The command stays in sockgate run's process
// group, so the terminal's own signals (Ctrl-C, Ctrl-\, Ctrl-Z, a hangup, a resize) reach
// both: those are not sent again. Signals sent to sockgate run alone (kill PID) are passed
// on. When the command stops (Ctrl-Z, a background read), sockgate run stops too, so the
// shell sees the job stopped; `fg` continues both.

import { readFileSync } from "node:fs";
import { constants } from "node:os";
import type { NativeChild } from "../native.js";

/** Passed to the command unless the terminal sent them to the whole foreground group. */
const TERMINAL = ["SIGINT", "SIGQUIT", "SIGHUP", "SIGWINCH"] as const;
/** Always passed to the command. */
const FORWARDED = ["SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCONT"] as const;

const nameOf = (sig: number): NodeJS.Signals | undefined => (Object.entries(constants.signals).find(([, n]) => n === sig)?.[0] as NodeJS.Signals | undefined);

function stillStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "T";
  } catch {
    return false;
  }
}

export interface SignalRelay {
  /** The command stopped by `sig`: stop sockgate run with it too. */
  commandStopped(sig: number): void;
  stop(): void;
}

export function relaySignals(child: NativeChild, terminalForeground: () => boolean): SignalRelay {
  const handlers: Array<[NodeJS.Signals, () => void]> = [];
  for (const name of TERMINAL) handlers.push([name, () => void (terminalForeground() || child.signal(constants.signals[name]))]);
  for (const name of FORWARDED) handlers.push([name, () => void child.signal(constants.signals[name])]);
  for (const [name, h] of handlers) process.on(name, h);
  return {
    commandStopped(sig) {
      const name = nameOf(sig);
      // continued meanwhile (the group's SIGCONT came first): stopping now would stop sockgate run alone
      if (name === undefined || !stillStopped(child.pid)) return;
      process.kill(process.pid, name === "SIGTSTP" || name === "SIGTTIN" || name === "SIGTTOU" ? name : "SIGSTOP");
    },
    stop() {
      for (const [name, h] of handlers) process.removeListener(name, h);
    },
  };
}
