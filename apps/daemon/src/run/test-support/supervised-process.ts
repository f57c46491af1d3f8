// `sockgate run` started for a test the way a person starts it: as a test user (setpriv),
// in the test's cgroup and network namespace, with its output read as it comes, so a test
// can see that a call is still held (nothing printed yet) before it answers the prompt.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Cleanup, TestCgroup } from "@sockgate/kernel-shim/test-harness";
import type { TestUser } from "../../api/test-support/users.js";

export const RUN_BIN = fileURLToPath(new URL("../../../dist/run.js", import.meta.url));
export const RUN_CLIENTS = fileURLToPath(new URL("../../../build/clients/", import.meta.url));
export const PYTHON = "/usr/bin/python3";
/** python3 -c CONNECT HOST PORT...: a TCP connect to each port, "connected PORT" or "failed PORT ERRNO" per line. */
export const CONNECT_EACH = `
import socket, sys
for port in sys.argv[2:]:
    s = socket.socket()
    try:
        s.connect((sys.argv[1], int(port))); print("connected", port, flush=True)
    except OSError as e:
        print("failed", port, e.errno, flush=True)
    s.close()
`;

export interface Place {
  cgroup?: TestCgroup;
  netnsPath?: string;
  /** null: as the test's own user (root) */
  user: TestUser | null;
}

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class SupervisedProcess {
  stdout = "";
  stderr = "";
  readonly done: Promise<Ended>;
  private waiters: Array<() => void> = [];
  /** Every writer of stdout and stderr is gone (sockgate run and whatever outlived it). */
  private closed = false;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => this.got(() => (this.stdout += d)));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => this.got(() => (this.stderr += d)));
    this.done = new Promise((resolve) =>
      child.on("close", (code, signal) => {
        this.got(() => (this.closed = true));
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      }),
    );
  }

  /** The sockgate run process (sh, nsenter and setpriv exec into it). */
  get pid(): number {
    return this.child.pid!;
  }

  /** argv (sockgate run's options, "--", the command) in `place`; killed by cleanup. */
  static start(place: Place, argv: string[], cleanup: Cleanup, env: Record<string, string> = {}): SupervisedProcess {
    const user = place.user === null ? [] : ["setpriv", `--reuid=${place.user.uid}`, `--regid=${place.user.gid}`, "--clear-groups"];
    const inner = [...(place.netnsPath ? ["nsenter", `--net=${place.netnsPath}`, "--"] : []), ...user, process.execPath, RUN_BIN, ...argv];
    const script = place.cgroup ? 'cg=$1; shift; echo $$ > "$cg/cgroup.procs" && exec "$@"' : 'exec "$@"';
    const child = spawn("sh", ["-c", script, "sh", ...(place.cgroup ? [place.cgroup.path] : []), ...inner], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", HOME: "/tmp", ...env },
    });
    const p = new SupervisedProcess(child);
    cleanup.add(`kill sockgate run ${argv.join(" ")}`, async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await p.done;
    });
    return p;
  }

  /** Waits until stdout (or stderr) matches; fails with everything said so far (or once nothing can be said any more). */
  async waitFor(pattern: RegExp, timeoutMs = 10_000, stream: "stdout" | "stderr" = "stdout"): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this[stream].match(pattern);
      if (m !== null) return m;
      // a command that outlives a killed sockgate run still writes to the same pipes: wait for them to close
      if (Date.now() > deadline || this.closed) {
        const end = this.child.exitCode !== null || this.child.signalCode !== null ? ` (ended: ${this.child.exitCode ?? this.child.signalCode})` : "";
        throw new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms${end}; stdout: ${this.stdout.trim()} stderr: ${this.stderr.trim()}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** The JSON objects printed on stdout so far. */
  json(): Record<string, unknown>[] {
    return this.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  private got(update: () => void): void {
    update();
    for (const w of this.waiters.splice(0)) w();
  }
}
