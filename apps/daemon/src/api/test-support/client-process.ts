// Drives client-runner.mjs in a process of its own, as a test user (setpriv), so the server
// sees that user's real credentials. The runner's pid is the connecting process's pid. It
// runs in a session of its own, as a UI in another terminal does.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { HelloReply, SubscriptionEvent } from "@sockgate/protocol/client";
import type { TestUser } from "./users.js";

const RUNNER = fileURLToPath(new URL("./client-runner.mjs", import.meta.url));

export interface Failure {
  code: string;
  message: string;
  parameters: Record<string, unknown>;
}

export type CallResult = { ok: Record<string, unknown>; error?: undefined } | { ok?: undefined; error: Failure };

type Line = Record<string, unknown> & { seq?: number };

/** Events of one subscription as they arrive; `next` waits for the first one a test wants. */
export class EventTap {
  readonly events: SubscriptionEvent[] = [];
  private waiters: { match: (e: SubscriptionEvent) => boolean; resolve: (e: SubscriptionEvent) => void }[] = [];
  ended: Line | undefined;

  constructor(readonly seq: number) {}

  push(e: SubscriptionEvent): void {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => !(w.match(e) && (w.resolve(e), true)));
  }

  /** The first event (already seen or still to come) that `match` accepts. */
  next(match: (e: SubscriptionEvent) => boolean, timeoutMs = 5000): Promise<SubscriptionEvent> {
    const seen = this.events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(this.events.map((e) => e.type))}`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }
}

export class ClientProcess {
  private seq = 0;
  private readonly pending = new Map<number, (line: Line) => void>();
  private readonly taps = new Map<number, EventTap>();
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly hello: HelloReply | undefined,
    readonly refusal: Failure | undefined,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Starts the runner as `user` (or as the test's own user when null). `groups`: "clear"
   * drops every supplementary group, "init" gives the user's groups from /etc/group.
   */
  static start(user: TestUser | null, socketPath: string, options: { groups?: "clear" | "init"; versions?: string[] } = {}): Promise<ClientProcess> {
    const node = process.execPath;
    const args = [RUNNER, socketPath, ...(options.versions ? [options.versions.join(",")] : [])];
    const cmd = user === null ? [node, ...args] : ["setpriv", `--reuid=${user.name}`, `--regid=${user.gid}`, options.groups === "init" ? "--init-groups" : "--clear-groups", node, ...args];
    // detached: the runner starts a POSIX session of its own (setsid), as a UI in another
    // terminal has; a process in the asking process's session may not answer its prompts.
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ["pipe", "pipe", "inherit"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp" }, detached: true });
    const lines = createInterface({ input: child.stdout! });
    return new Promise((resolve, reject) => {
      let cp: ClientProcess | undefined;
      const timer = setTimeout(() => reject(new Error("the client process did not connect within 10 s")), 10_000);
      child.once("exit", (code) => cp === undefined && reject(new Error(`the client process exited with ${code} before connecting`)));
      lines.on("line", (text) => {
        const line = JSON.parse(text) as Line;
        if (cp === undefined) {
          clearTimeout(timer);
          cp = new ClientProcess(child, line.ready as HelloReply | undefined, line.error as Failure | undefined);
          resolve(cp);
          return;
        }
        cp.receive(line);
      });
    });
  }

  call(method: string, parameters: object = {}): Promise<CallResult> {
    return this.command({ op: "call", method, parameters }) as Promise<CallResult>;
  }

  /** Subscribes and waits until the daemon confirmed it ("subscribed"). */
  async subscribe(topics: string[]): Promise<EventTap> {
    const seq = ++this.seq;
    const tap = new EventTap(seq);
    this.taps.set(seq, tap);
    this.send({ seq, op: "subscribe", topics });
    await tap.next((e) => e.type === "subscribed");
    return tap;
  }

  async cancel(tap: EventTap): Promise<void> {
    await this.command({ op: "cancel", sub: tap.seq });
  }

  /** A raw second connection from this process: sends `parts`, returns the replies read. */
  raw(parts: ({ text: string } | { fill: string; count: number })[], replies: number, waitMs?: number): Promise<{ replies: Record<string, unknown>[]; closed: boolean }> {
    return this.command({ op: "raw", parts, replies, waitMs }) as Promise<{ replies: Record<string, unknown>[]; closed: boolean }>;
  }

  async spawnChild(): Promise<number> {
    return (await this.command({ op: "spawn" })).pid as number;
  }

  async connections(count: number, waitMs?: number): Promise<(Record<string, unknown> | null)[]> {
    return (await this.command({ op: "connections", count, waitMs })).replies as (Record<string, unknown> | null)[];
  }

  /** Ends the runner (closing stdin makes it disconnect and exit). */
  async stop(): Promise<void> {
    this.child.stdin!.end();
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await this.exited;
    clearTimeout(killer);
  }

  private command(cmd: Record<string, unknown>): Promise<Line> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.send({ seq, ...cmd });
    });
  }

  private send(cmd: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
  }

  private receive(line: Line): void {
    const tap = line.seq === undefined ? undefined : this.taps.get(line.seq);
    if (tap !== undefined) {
      if (line.event !== undefined) tap.push(line.event as SubscriptionEvent);
      else tap.ended = line;
      return;
    }
    const resolve = line.seq === undefined ? undefined : this.pending.get(line.seq);
    if (resolve === undefined) return;
    this.pending.delete(line.seq!);
    resolve(line);
  }
}
