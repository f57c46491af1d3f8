// A real sockgated (dist/main.js) for end-to-end tests: its own cgroup, network namespaces
// (a peer running servers), pin directory, SQLite file and API socket in a temp dir, users
// alice and bob, and API clients running as them. Everything is removed in close(), also
// after a failure half way; the users also by an exit hook (TestUsers).

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unloadShim } from "@sockgate/kernel-shim";
import { Cleanup, clientPath, createNetns, createTestCgroup, pinDirName, runIn, sleep, startIn } from "@sockgate/kernel-shim/test-harness";
import type { ProcResult, TestCgroup, TestNetns } from "@sockgate/kernel-shim/test-harness";
import { ClientProcess } from "../api/test-support/client-process.js";
import { TestUsers } from "../api/test-support/users.js";
import type { TestUser } from "../api/test-support/users.js";

const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export class DaemonFixture {
  readonly cleanup = new Cleanup();
  readonly dir: string;
  readonly socketPath: string;
  readonly dbPath: string;
  readonly configPath: string;
  readonly pinDir = pinDirName();
  private readonly users = new TestUsers();
  private readonly clients: ClientProcess[] = [];
  cgroup!: TestCgroup;
  ns!: TestNetns;
  alice!: TestUser;
  bob!: TestUser;
  daemon: ChildProcess | undefined;
  private out = "";

  constructor(private readonly config: Record<string, unknown> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "sockgate-daemon-test-"));
    chmodSync(this.dir, 0o755); // the test users reach the API socket below it
    this.socketPath = join(this.dir, "run", "api.sock");
    this.dbPath = join(this.dir, "db", "sockgate.db");
    this.configPath = join(this.dir, "config.json");
  }

  /** Users, cgroup, namespaces, servers on the peer at `ports`, then the daemon. */
  async setup(ports: number[]): Promise<this> {
    this.cleanup.add("remove test users", () => this.users.remove());
    this.cleanup.add(`remove ${this.dir}`, () => rmSync(this.dir, { recursive: true, force: true }));
    this.alice = this.users.user("alice");
    this.bob = this.users.user("bob");
    this.cgroup = createTestCgroup(this.cleanup);
    this.ns = createNetns(this.cleanup);
    this.cleanup.add(`unload ${this.pinDir}`, () => void unloadShim(this.pinDir));
    for (const port of ports) await startIn({ netnsPath: this.ns.peerPath }, [clientPath("sgclient"), "serve", "tcp6", "::", String(port)], this.cleanup);
    this.writeConfig({});
    this.cleanup.add("stop the clients", () => Promise.all(this.clients.splice(0).map((c) => c.stop())).then(() => undefined));
    await this.start();
    return this;
  }

  private writeConfig(patch: Record<string, unknown>): void {
    writeFileSync(
      this.configPath,
      JSON.stringify({
        store: { path: this.dbPath },
        api: { socket: this.socketPath },
        governed: { users: [this.alice.uid, this.bob.uid], cgroups: [] },
        dns: { resolvers: [this.ns.peer4] },
        countersIntervalMs: 1000,
        ...this.config,
        ...patch,
      }),
    );
  }

  /** Rewrites the configuration with `patch` on top and reloads it (SIGHUP). */
  async reconfigure(patch: Record<string, unknown>): Promise<void> {
    const seen = this.logLines().filter((l) => l.msg.startsWith("configuration reloaded")).length;
    this.writeConfig(patch);
    this.daemon!.kill("SIGHUP");
    for (let i = 0; i < 100 && this.logLines().filter((l) => l.msg.startsWith("configuration reloaded")).length === seen; i++) await sleep(20);
    if (this.logLines().filter((l) => l.msg.startsWith("configuration reloaded")).length === seen) throw new Error("the daemon did not reload its configuration");
  }

  /** Starts (or restarts) the daemon and waits until it holds. */
  async start(extra: string[] = []): Promise<void> {
    this.out = "";
    const child = spawn(process.execPath, [MAIN, "--config", this.configPath, "--cgroup", this.cgroup.path, "--pin-dir", this.pinDir, "--hold-netns", this.ns.path, ...extra], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.daemon = child;
    child.stdout!.on("data", (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.out += d.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    this.cleanup.add("kill the daemon", async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    });
    for (let i = 0; i < 500 && !this.out.includes("holding connect"); i++) {
      if (child.exitCode !== null) throw new Error(`the daemon exited with ${child.exitCode}: ${this.out}`);
      await sleep(20);
    }
    if (!this.out.includes("holding connect")) throw new Error(`the daemon did not start holding: ${this.out}`);
  }

  /** Stops the daemon with `signal` and waits for it to exit. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.daemon!;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
    this.daemon = undefined;
  }

  logLines(): LogLine[] {
    return this.out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as LogLine);
  }

  async client(user: TestUser | null): Promise<ClientProcess> {
    const c = await ClientProcess.start(user, this.socketPath);
    this.clients.push(c);
    return c;
  }

  /** argv run as `user` in the test cgroup and namespace. */
  runAs(user: TestUser, argv: string[], timeoutMs = 20_000): Promise<ProcResult> {
    return runIn({ cgroup: this.cgroup, netnsPath: this.ns.path }, ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", ...argv], { timeoutMs });
  }

  curl(user: TestUser, port: number, timeoutS = 15, extra: string[] = []): Promise<ProcResult> {
    return this.runAs(user, ["curl", "-sS", ...extra, "-o", "/dev/null", "--max-time", String(timeoutS), `http://${this.ns.peer4}:${port}/`], (timeoutS + 5) * 1000);
  }

  async close(): Promise<void> {
    await this.cleanup.run();
  }
}

/** curl reached the server: it accepts and closes, so curl says empty reply (52) or reset (56). */
export const CONNECTED = [52, 56];
/** curl could not connect (ECONNREFUSED, EACCES): exit 7. */
export const NOT_CONNECTED = 7;
