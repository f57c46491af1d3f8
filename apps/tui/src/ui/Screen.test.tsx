// One snapshot per state at 80x24, drawn by ink as a terminal would show it (NO_COLOR, so
// the snapshot is the text). Each frame must fit: 24 rows of at most 80 columns.

import { render } from "ink-testing-library";
import stringWidth from "string-width";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup } from "ink-testing-library";
import { addActivity } from "../state/activity.js";
import { editorFor } from "../state/editor.js";
import { reducer } from "../state/reducer.js";
import type { TuiState } from "../state/types.js";
import { HELLO, NOW, activity, connected, history, prompt, rule } from "../test-support/fixtures.js";
import { Screen } from "./Screen.js";
import { ThemeContext } from "./theme-context.js";
import { makeTheme } from "./theme.js";

const guidance = { governed: false, shellHint: "./sockgate shell", tryCommand: "curl -sI http://deb.debian.org/" };

function frame(state: TuiState): string {
  const { lastFrame } = render(
    <ThemeContext.Provider value={makeTheme({ NO_COLOR: "1" })}>
      <Screen state={state} columns={80} rows={24} guidance={guidance} startHint="./sockgate start" ascii={false} />
    </ThemeContext.Provider>,
  );
  const text = lastFrame() ?? "";
  const lines = text.split("\n");
  expect(lines.length, text).toBe(24);
  for (const l of lines) expect(stringWidth(l), l).toBeLessThanOrEqual(80);
  return text;
}

const withPrompts = (...prompts: ReturnType<typeof prompt>[]): TuiState => prompts.reduce((s, p) => reducer(s, { type: "prompt", prompt: p }), connected());

afterEach(() => cleanup());

describe("the screen at 80x24", () => {
  it("a prompt: who asks, the choices, the rule it will create, the countdown", () => {
    let s = withPrompts(prompt());
    s = reducer(s, { type: "choice", patch: { action: "allow", scope: "host", duration: "forever" } });
    s = reducer(s, { type: "preview", preview: { promptId: "p1", key: JSON.stringify(["allow", "host", "forever"]), rules: [rule("preview-1", { match: { exe: "/usr/bin/curl", operation: ["connect"], protocol: ["tcp"], remoteHost: ["deb.debian.org"] } }).rule] } });
    const text = frame({ ...s, now: NOW });
    expect(text).toContain("curl wants to connect to deb.debian.org (151.101.2.132) port 443 (TCP)");
    expect(text).toContain("will create allow /usr/bin/curl connect tcp to deb.debian.org, forever");
    expect(text).toMatch(/times out in 42s, then: deny/);
    expect(text).toMatchSnapshot();
  });

  it("a prompt with flags: deleted executable, LD_PRELOAD, an unverified app id and a note", () => {
    const p = prompt({ app: { ...prompt().app, exePath: "/tmp/x (deleted)", flags: ["deleted", "ld_preload"], appId: { kind: "flatpak", id: "org.example.App", verified: false } }, notes: ["rule \"r1\" names /usr/bin/curl by sha256 0123456789ab…, which this file no longer has"] });
    const text = frame({ ...withPrompts(p), now: NOW });
    expect(text).toMatch(/flags\s+deleted executable, LD_PRELOAD set/);
    expect(text).toMatch(/claimed, not verified/);
    expect(text).toMatchSnapshot();
  });

  it("a queue of three prompts, the second coalescing three calls", () => {
    const s = withPrompts(prompt(), prompt({ id: "p2", requests: 3, destination: { address: "10.0.0.9", port: 22 }, destinations: [{ address: "10.0.0.9", port: 22 }] }), prompt({ id: "p3", app: { ...prompt().app, exePath: "/usr/bin/python3.11", cmdline: ["python3", "backup.py"] } }));
    const moved = reducer(s, { type: "prompt-move", delta: 1 });
    const text = frame({ ...moved, now: NOW });
    expect(text).toMatch(/prompt 2 of 3 · 3 calls waiting on this answer/);
    expect(text).toMatch(/queue {2}curl → deb\.debian\.org:443 {2}▸curl → 10\.0\.0\.9:22 ×3/);
    expect(text).toMatchSnapshot();
  });

  it("a many-destinations prompt lists them", () => {
    const destinations = Array.from({ length: 37 }, (_, i) => ({ address: `10.77.1.${i + 2}`, port: 20000 + i }));
    const text = frame({ ...withPrompts(prompt({ kind: "many", requests: 1000, destination: destinations[0]!, destinations })), now: NOW });
    expect(text).toMatch(/curl wants to connect to 37 new destinations \(TCP\)/);
    expect(text).toMatch(/10\.77\.1\.2:20000, 10\.77\.1\.3:20001/);
    expect(text).toMatch(/\(\+\d+ more\)/);
    expect(text).toMatchSnapshot();
  });

  it("the countdown near zero", () => {
    const text = frame({ ...withPrompts(prompt({ deadline: NOW + 2400 })), now: NOW });
    expect(text).toMatch(/times out in 3s, then: deny/);
    expect(text).toMatchSnapshot();
  });

  it("no prompt yet: what to run to see one, and what was settled lately", () => {
    let s = withPrompts(prompt());
    s = reducer(s, { type: "prompt-settled", promptId: "p1", outcome: { promptId: "p1", action: "deny", answeredBy: "timeout", reason: "no answer within 60 s: default deny applied", rules: [] } });
    const text = frame({ ...s, now: NOW + 5000 });
    expect(text).toMatch(/No prompts waiting/);
    expect(text).toContain("./sockgate shell");
    expect(text).toMatch(/curl → deb\.debian\.org:443: deny, timed out: no answer within 60 s/);
    expect(text).toMatchSnapshot();
  });

  it("live activity, filtered by verdict", () => {
    let s: TuiState = { ...connected(), view: "activity" };
    s = { ...s, activity: addActivity(s.activity, Array.from({ length: 40 }, (_, i) => activity(i))) };
    s = reducer(s, { type: "activity-verdict", verdict: "allow" });
    const text = frame(s);
    expect(text).toMatch(/verdict allow · \d+ shown of 40 received · following/);
    expect(text).not.toMatch(/ deny /);
    expect(text).toMatchSnapshot();
  });

  it("rules: the user's own, other users' (admins), system rules marked, a disabled one off", () => {
    const admin = { ...HELLO, peer: { ...HELLO.peer, admin: true } };
    let s: TuiState = { ...connected(), view: "rules", link: { kind: "up", socketPath: "/run/sockgate/api.sock", hello: admin } };
    s = reducer(s, {
      type: "rules-loaded",
      entries: [
        rule("r-curl-debian"),
        rule("r-ssh", { action: "deny", match: { exe: "/usr/bin/ssh", remotePort: [22] } }, false),
        rule("r-bob", { owner: { kind: "user", uid: 1002 }, match: { exe: "/usr/bin/wget" } }),
        rule("default-loopback", { owner: { kind: "system" }, match: { operation: ["connect", "send"], remoteAddress: ["127.0.0.0/8", "::1"] } }, true, ["not enforced on ungoverned processes: it has no exact executable path"]),
      ],
    });
    const text = frame(s);
    expect(text).toMatch(/you\s+on\s+allow\s+\/usr\/bin\/curl/);
    expect(text).toMatch(/you\s+off\s+deny\s+\/usr\/bin\/ssh/);
    expect(text).toMatch(/system\s+on\s+allow\s+any program/);
    expect(text).toMatch(/uid 1002/);
    expect(text).toMatchSnapshot();
  });

  it("the rules editor with the schema's field error beside the field", () => {
    let s: TuiState = { ...connected(), view: "rules" };
    s = reducer(s, { type: "rules-loaded", entries: [rule("r-curl-debian")] });
    s = reducer(s, { type: "editor-open", editor: editorFor(rule("r-curl-debian", { match: { exe: "/usr/bin/curl", remotePort: [0] } })) });
    s = reducer(s, { type: "editor-error", field: "match.remotePort[0]", message: 'rule "r-curl-debian" is invalid: field match.remotePort[0]: expected a port 1-65535; received 0' });
    const text = frame(s);
    const rows = text.split("\n");
    const at = rows.findIndex((l) => /match\.remotePort\s+\[0\]/.test(l));
    expect(rows[at]).toMatch(/^▸/);
    expect(rows[at + 1]).toMatch(/✗ match\.remotePort\[0\]: expected a port 1-65535; received 0/);
    expect(text).toMatchSnapshot();
  });

  it("history with a chart of calls per application", () => {
    let s: TuiState = { ...connected(), view: "history" };
    s = reducer(s, { type: "history-loaded", entries: history(120, 3_600_000), at: NOW });
    const text = frame(s);
    expect(text).toMatch(/curl\s+\d+\s+\d+\s+[ ▁▂▃▄▅▆▇█]*[▁▂▃▄▅▆▇█]/);
    expect(text).toMatch(/CALLS OVER THE LAST 1H/);
    expect(text).toMatchSnapshot();
  });

  it("the daemon is down", () => {
    const s: TuiState = { ...connected(), link: { kind: "down", socketPath: "/run/sockgate/api.sock", code: "io.sockgate.DaemonUnavailable", message: "connecting to /run/sockgate/api.sock failed (ENOENT: is sockgated running?)", since: NOW } };
    const text = frame(s);
    expect(text).toMatch(/The sockgate daemon is not running/);
    expect(text).toContain("./sockgate start");
    expect(text).toMatchSnapshot();
  });

  it("permission denied", () => {
    const s: TuiState = { ...connected(), link: { kind: "denied", socketPath: "/run/sockgate/api.sock", code: "io.sockgate.DaemonUnavailable", message: "connecting to /run/sockgate/api.sock failed (EACCES: is sockgated running?)" } };
    const text = frame(s);
    expect(text).toMatch(/This user may not use sockgate's daemon/);
    expect(text).toMatchSnapshot();
  });

  it("help lists every key of the view", () => {
    const text = frame({ ...connected(), view: "rules", help: true });
    expect(text).toMatch(/rule editor/);
    expect(text).toMatchSnapshot();
  });
});
