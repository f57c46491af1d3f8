// The TUI end to end: a real daemon (the daemon's own fixture), users alice and bob each
// with the real TUI in a real tmux session, and real curl and python3 as alice connecting to
// servers in a network namespace the test made. The screen is read with capture-pane and
// answered with send-keys, as a person would. Tests build on each other, in order.

import { chmodSync } from "node:fs";
import { dirname } from "node:path";
import { CONNECTED, DNS_SERVER, DaemonFixture, NOT_CONNECTED, resolveThenConnect } from "@sockgate/daemon/test-support";
import { assertNoLeftovers, sleep, startIn } from "@sockgate/kernel-shim/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_KEY_GUARD_MS } from "../keys/prompt-keys.js";
import { Tmux } from "../test-support/tmux.js";
import { TERMINAL_ENV, tuiArgv } from "./tui-users.js";

const TIMEOUT_MS = 6000;
const PORTS = [8080, 8081, 8082, 8083, 8086, 8087];

describe("the TUI end to end, as alice and bob", () => {
  const f = new DaemonFixture({ prompts: { timeoutMs: TIMEOUT_MS } });
  const tmux = new Tmux(f.cleanup);
  const alice = "alice";
  const bob = "bob";
  const bobSaw: string[] = [];

  /** Every screen read of bob's is kept: none may ever show alice's prompts. */
  const bobScreen = (): string => {
    const s = tmux.screen(bob);
    bobSaw.push(s);
    return s;
  };

  /** Waits for alice's prompt about `port`, then types `keys` (after the key guard) and Enter. */
  async function answer(port: number, keys: string[]): Promise<string> {
    const screen = await tmux.waitFor(alice, new RegExp(`wants to .* port ${port} \\(TCP\\)`), 15_000);
    await sleep(DEFAULT_KEY_GUARD_MS + 100);
    tmux.send(alice, keys);
    tmux.send(alice, ["Enter"]);
    return screen;
  }

  beforeAll(async () => {
    await f.setup(PORTS);
    tmux.start(alice, tuiArgv(f.alice, f.socketPath), { env: TERMINAL_ENV });
    tmux.start(bob, tuiArgv(f.bob, f.socketPath), { env: TERMINAL_ENV });
    await tmux.waitFor(alice, /No prompts waiting/, 20_000);
    await tmux.waitFor(bob, /No prompts waiting/, 20_000);
  }, 120_000);

  afterAll(async () => {
    await f.close();
    assertNoLeftovers();
    expect(bobSaw.filter((s) => /wants to/.test(s)), "bob's TUI never showed a prompt").toEqual([]);
  }, 60_000);

  it("the empty prompt view tells a governed user what to run to see a prompt", () => {
    const screen = tmux.screen(alice);
    expect(screen).toMatch(/your programs are governed/);
    expect(screen).toMatch(/curl -sI http:\/\/deb\.debian\.org\//);
    expect(screen).toMatch(/uid \d+ · connected/);
  });

  it("curl as alice: the prompt appears with program, process and destination; 'allow forever' lets the held connect complete", async () => {
    const curl = f.curl(f.alice, 8080);
    const screen = await answer(8080, ["a", "f"]);
    expect(screen).toContain(`curl wants to connect to ${f.ns.peer4} port 8080 (TCP)`);
    expect(screen).toMatch(/program\s+curl\s+\/usr\/bin\/curl/);
    expect(screen).toMatch(new RegExp(`process\\s+pid \\d+ · user (sgt-alice-\\w+ \\(uid ${f.alice.uid}\\)|uid ${f.alice.uid})`));
    expect(screen).toMatch(/times out in \d+s, then: deny/);
    expect(screen).toMatch(/will create/);
    const r = await curl;
    expect(r.code, r.stderr).toSatisfy((c: number) => CONNECTED.includes(c));
    const after = await tmux.waitFor(alice, /settled: curl/);
    expect(after).toMatch(/settled: curl → .*8080: allow/);
    expect(bobScreen()).toMatch(/No prompts waiting/);
  });

  it("curl again asks nothing", async () => {
    const t = Date.now();
    const r = await f.curl(f.alice, 8080);
    expect(r.code, r.stderr).toSatisfy((c: number) => CONNECTED.includes(c));
    expect(Date.now() - t, "decided at once").toBeLessThan(2000);
    expect(tmux.screen(alice)).not.toMatch(/wants to/);
  });

  it("python3 as alice: the prompt shows its command line; allowed, it connects", async () => {
    const py = f.runAs(f.alice, ["/usr/bin/python3", "-c", `import socket; socket.create_connection(("${f.ns.peer4}", 8086), timeout=10); print("ok")`]);
    const screen = await answer(8086, ["a", "f"]);
    expect(screen).toMatch(/python3[.\d]* wants to connect/);
    expect(screen).toMatch(/command\s+\/usr\/bin\/python3 -c import socket/);
    expect((await py).stdout.trim()).toBe("ok");
    expect(bobScreen()).not.toMatch(/wants to/);
  });

  it("a deny for another destination: curl fails with connection refused, and later attempts fail at once", async () => {
    const curl = f.curl(f.alice, 8081, 15, ["-v"]);
    await answer(8081, ["d", "f"]);
    const r = await curl;
    expect(r.code).toBe(NOT_CONNECTED);
    expect(r.stderr).toMatch(/Connection refused/);
    await sleep(200);
    const t = Date.now();
    const again = await f.curl(f.alice, 8081, 15, ["-v"]);
    expect(again.code).toBe(NOT_CONNECTED);
    expect(Date.now() - t, "refused at once, not asked").toBeLessThan(1500);
    expect(tmux.screen(alice)).not.toMatch(/wants to/);
  });

  it("a prompt left unanswered: the countdown runs, the default applies at the timeout, and the TUI says so", async () => {
    const curl = f.curl(f.alice, 8082, 20);
    const first = await tmux.waitFor(alice, /port 8082 \(TCP\)/, 15_000);
    const shown = Number(/times out in (\d+)s/.exec(first)![1]);
    await sleep(2200);
    const later = Number(/times out in (\d+)s/.exec(tmux.screen(alice))?.[1] ?? "NaN");
    expect(later, "the countdown runs").toBeLessThanOrEqual(shown - 1);
    expect((await curl).code).toBe(NOT_CONNECTED);
    const screen = await tmux.waitFor(alice, /settled: curl → .*8082: deny, timed out/);
    expect(screen).toMatch(new RegExp(`8082: deny, timed out: no answer within ${TIMEOUT_MS / 1000} s`));
    expect(bobScreen()).not.toMatch(/wants to/);
  });

  it("host names appear in the prompt when the program resolved them from a resolver in the namespace", async () => {
    await startIn({ netnsPath: f.ns.peerPath }, [process.execPath, DNS_SERVER, f.ns.peer4, f.ns.peer4], f.cleanup);
    const script = resolveThenConnect(f.ns.peer4, "svc.sgtest.example", 8087);
    const py = f.runAs(f.alice, ["/usr/bin/python3", "-c", script]);
    const screen = await answer(8087, ["a", "s", "f"]);
    expect(screen).toContain(`wants to connect to svc.sgtest.example (${f.ns.peer4}) port 8087 (TCP)`);
    const r = await py;
    expect(r.stdout.trim(), r.stderr).toBe(`ok ${f.ns.peer4}`);
  });

  it("the rules view lists alice's rules, marks system rules, and shows the schema's field error inline when an edit is refused", async () => {
    tmux.send(alice, ["3"]);
    let screen = await tmux.waitFor(alice, /you\s+on\s+allow\s+\/usr\/bin\/curl/);
    expect(screen).toMatch(/system\s+on\s+allow/);
    expect(screen).toMatch(/\d+ yours, \d+ system/);
    // the newest of alice's rules comes first (python3's, by host name): give it a port 0
    tmux.send(alice, ["Enter"]);
    screen = await tmux.waitFor(alice, /Edit rule/);
    expect(screen).toMatch(/match\.remoteHost\s+\["svc\.sgtest\.example"\]/);
    tmux.send(alice, ["+"]);
    await tmux.waitFor(alice, /new field: match\./);
    tmux.send(alice, ["remotePort"], true);
    tmux.send(alice, ["Enter", "Enter"]);
    tmux.send(alice, ["[0]"], true);
    tmux.send(alice, ["Enter", "s"]);
    screen = await tmux.waitFor(alice, /✗/);
    const rows = screen.split("\n");
    const field = rows.findIndex((l) => /match\.remotePort\s+\[0\]/.test(l));
    expect(field, screen).toBeGreaterThan(0);
    expect(rows[field + 1], "the error stands under the field it names").toMatch(/✗ .*match\.remotePort\[0\]: expected a port/);
    tmux.send(alice, ["Escape"]);
    await tmux.waitFor(alice, /owner all/);
  });

  it("a rule can be disabled and enabled again from the rules view", async () => {
    tmux.send(alice, ["Space"]);
    await tmux.waitFor(alice, /rule .* disabled/);
    tmux.send(alice, ["Space"]);
    await tmux.waitFor(alice, /rule .* enabled/);
  });

  it("the activity view shows what was decided, with the rule; the history view charts it per application", async () => {
    tmux.send(alice, ["2"]);
    let screen = await tmux.waitFor(alice, /VERDICT/);
    expect(screen).toMatch(/allow\s+python3[.\d]*\s+connect\s+tcp\s+svc\.sgtest\.example:8087\s+answer-/);
    tmux.send(alice, ["4"]);
    screen = await tmux.waitFor(alice, /curl\s+\d+\s+\d+\s+[▁▂▃▄▅▆▇█]/);
    expect(screen).toMatch(/CALLS OVER THE LAST 1H/);
    tmux.send(alice, ["1"]);
  });

  it("the daemon stops: the TUI says so (and what still applies); it comes back when the daemon does", async () => {
    await f.kill("SIGTERM");
    const screen = await tmux.waitFor(alice, /daemon is not running/);
    expect(screen).toMatch(/daemon down/);
    await f.start();
    tmux.send(alice, ["1"]);
    await tmux.waitFor(alice, /No prompts waiting/, 20_000);
  });

  it("a user who cannot reach the socket gets a screen that says so", async () => {
    const run = dirname(f.socketPath);
    chmodSync(run, 0o700);
    f.cleanup.add(`chmod ${run}`, () => chmodSync(run, 0o755));
    tmux.tmux(["kill-session", "-t", bob]);
    tmux.start(bob, tuiArgv(f.bob, f.socketPath), { env: TERMINAL_ENV });
    const screen = await tmux.waitFor(bob, /may not use sockgate/, 15_000);
    expect(screen).toMatch(/EACCES/);
    chmodSync(run, 0o755);
  });

  it("q quits, and the TUI says the daemon keeps enforcing", async () => {
    tmux.send(alice, ["q"]);
    const screen = await tmux.waitFor(alice, /\[exited 0\]/);
    expect(screen).toMatch(/the daemon \(pid \d+\) keeps enforcing your rules/);
  });
});
