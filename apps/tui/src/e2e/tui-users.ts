// The TUI and the CLI run as test users: the command lines, through setpriv as the daemon's
// own end-to-end test runs its clients, so the daemon sees those users' real credentials.

import { fileURLToPath } from "node:url";
import type { TestUser } from "@sockgate/daemon/test-support";
import { runIn } from "@sockgate/kernel-shim/test-harness";
import type { ProcResult } from "@sockgate/kernel-shim/test-harness";

export const SOCKGATE = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** The environment a person's terminal has: UTF-8, a home, no CI variables (tmux sets TERM). */
export const TERMINAL_ENV = { LANG: "C.UTF-8", HOME: "/tmp", PATH: "/usr/bin:/bin" };

export function asUser(user: TestUser | null, argv: string[]): string[] {
  return user === null ? argv : ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", ...argv];
}

/** The TUI's command line for `user`, on the daemon's socket. */
export function tuiArgv(user: TestUser | null, socketPath: string, extra: string[] = []): string[] {
  return asUser(user, [process.execPath, SOCKGATE, "--socket", socketPath, "--shell-hint", "./sockgate shell", ...extra]);
}

/** `sockgate ARGS` as `user`, to completion. */
export function cli(user: TestUser | null, socketPath: string, args: string[], timeoutMs = 15_000): Promise<ProcResult> {
  return runIn({}, asUser(user, ["env", "-i", ...Object.entries(TERMINAL_ENV).map(([k, v]) => `${k}=${v}`), process.execPath, SOCKGATE, "--socket", socketPath, ...args]), { timeoutMs });
}
