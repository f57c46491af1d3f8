// `sockgate run --profile NAME` end to end, as alice with her UI open: a profile's rules
// decide the run's calls before her stored rules and before she is asked; "unmatched":
// "deny" refuses the rest without asking; a profile found by NAME in her config directory
// or given as a path. A bad profile stops sockgate run before the command starts, with a
// sentence naming the file and what is wrong with it.

import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sleep } from "@sockgate/kernel-shim/test-harness";
import { PromptingDaemon } from "./test-support/prompting-daemon.js";
import type { PromptEvent } from "./test-support/prompting-daemon.js";
import { CONNECT_EACH, PYTHON, SupervisedProcess } from "./test-support/supervised-process.js";

const P_PROFILE = 8141; // the profile allows it
const P_OTHER = 8142; // nothing allows it
const P_STORED = 8143; // alice's stored rule allows it, the profile denies it
const DENY_ONCE = { action: "deny", scope: "host-port", duration: "once" } as const;


const connectRule = (action: string, port: number) => ({ action, match: { operation: ["connect"], remotePort: [port] } });

describe("sockgate run --profile: a profile's rules decide the run's calls first", () => {
  let config: string;
  let profiles: string;
  const w = new PromptingDaemon([P_PROFILE, P_OTHER, P_STORED], async () => {
    // alice's $XDG_CONFIG_HOME, where --profile NAME is looked up first
    config = join(w.f.dir, "alice-config");
    profiles = join(config, "sockgate", "profiles");
    mkdirSync(profiles, { recursive: true });
    chmodSync(w.f.dir, 0o755);
    for (const d of [config, join(config, "sockgate"), profiles]) chmodSync(d, 0o755);
    writeFileSync(join(profiles, "web.json"), JSON.stringify({ rules: [connectRule("allow", P_PROFILE), connectRule("deny", P_STORED)] }));
    const stored = { schemaVersion: 1, action: "allow", duration: { kind: "forever" }, match: { operation: ["connect"], remotePort: [P_STORED] } };
    expect((await w.ui.call("AddRule", { rule: stored })).error).toBeUndefined();
  });
  const f = w.f;

  const run = (options: string[], argv: string[]): SupervisedProcess =>
    SupervisedProcess.start({ cgroup: f.cgroup, netnsPath: f.ns.path, user: f.alice }, ["--socket", f.socketPath, ...options, "--", ...argv], f.cleanup, { XDG_CONFIG_HOME: config });

  const promptsAbout = (port: number, pid?: number): PromptEvent[] =>
    w.tap.events.filter((e): e is PromptEvent => e.type === "prompt" && e.prompt.destination.port === port && (pid === undefined || e.prompt.app.pid === pid));

  it("without a profile, the port the profile will allow is asked (the control)", async () => {
    const p = run([], [PYTHON, "-c", CONNECT_EACH, f.ns.peer4, String(P_PROFILE)]);
    const asked = (await w.tap.next((e) => e.type === "prompt" && e.prompt.destination.port === P_PROFILE, 10_000)) as PromptEvent;
    expect((await w.ui.call("AnswerPrompt", { promptId: asked.prompt.id, answer: DENY_ONCE })).error).toBeUndefined();
    expect((await p.done).stdout).toContain(`failed ${P_PROFILE} 13`);
  });

  it("--profile NAME (from alice's config directory): its allow connects unasked, its deny beats alice's stored allow, the rest is asked", async () => {
    const p = run(["--profile", "web"], [PYTHON, "-c", CONNECT_EACH, f.ns.peer4, String(P_PROFILE), String(P_STORED), String(P_OTHER)]);
    await p.waitFor(new RegExp(`^connected ${P_PROFILE}$`, "m"));
    await p.waitFor(new RegExp(`^failed ${P_STORED} 13$`, "m"));
    // the refusal's line is written after the answer: it may come after the program's own
    await p.waitFor(new RegExp(`connect tcp .*:${P_STORED} refused \\(EACCES\\).*profile web`), 5000, "stderr");
    const asked = (await w.tap.next((e) => e.type === "prompt" && e.prompt.destination.port === P_OTHER, 10_000)) as PromptEvent;
    await sleep(300);
    expect(p.stdout, "held while alice has not answered").not.toContain(`${P_OTHER}`);
    expect((await w.ui.call("AnswerPrompt", { promptId: asked.prompt.id, answer: DENY_ONCE })).error).toBeUndefined();
    const end = await p.done;
    expect(end.stdout).toContain(`failed ${P_OTHER} 13`);
    expect(end.code).toBe(0);
    const pid = asked.prompt.app.pid;
    // the kernel's second look at the profile's connect asked nothing either
    expect([promptsAbout(P_PROFILE, pid).length, promptsAbout(P_STORED, pid).length]).toEqual([0, 0]);
  });

  it('a profile given as a path with "unmatched": "deny": what it does not allow is refused, nobody is asked', async () => {
    const path = join(f.dir, "strict.json");
    writeFileSync(path, JSON.stringify({ rules: [connectRule("allow", P_PROFILE)], unmatched: "deny" }));
    chmodSync(path, 0o644);
    const p = run(["--profile", path], [PYTHON, "-c", CONNECT_EACH, f.ns.peer4, String(P_PROFILE), String(P_OTHER)]);
    const end = await p.done;
    expect(end.stdout).toContain(`connected ${P_PROFILE}`);
    expect(end.stdout).toContain(`failed ${P_OTHER} 13`);
    expect(end.stderr).toMatch(new RegExp(`connect tcp .*:${P_OTHER} refused \\(EACCES\\).*profile strict refuses what no rule allows`));
    await sleep(300);
    expect(w.tap.events.filter((e) => e.type === "prompt" && e.prompt.destination.port === P_OTHER && e.prompt.app.exePath === "/usr/bin/python3.11").length, "only the first test's and the previous test's prompts").toBe(1);
  });

  describe("a bad profile: sockgate run says which file and what is wrong, exits 125, and the command does not start", () => {
    const cases: Array<[string, string | null, RegExp]> = [
      ["missing", null, /^sockgate run: profile missing: none of \S+\/alice-config\/sockgate\/profiles\/missing\.json, \/etc\/sockgate\/profiles\/missing\.json exists$/],
      ["not-json", "{ rules: [", /^sockgate run: profile \S+\/not-json\.json: .*JSON/],
      ["no-rules", JSON.stringify({ rule: [] }), /^sockgate run: profile \S+\/no-rules\.json: expected an object with a "rules" list$/],
      ["bad-unmatched", JSON.stringify({ rules: [], unmatched: "allow" }), /^sockgate run: profile \S+\/bad-unmatched\.json: "unmatched" must be "ask" or "deny", found "allow"$/],
      ["bad-action", JSON.stringify({ rules: [connectRule("allow", P_PROFILE), connectRule("permit", P_OTHER)] }), /^sockgate run: profile bad-action: rule 2 is invalid: field action: expected one of "allow", "deny", "ask"; received "permit": nothing could be decided, so \/bin\/sh was not started$/],
      ["host-name", JSON.stringify({ rules: [{ action: "allow", match: { remoteHost: ["example.org"] } }] }), /^sockgate run: profile host-name: rule 1 names host names or lists.*nothing could be decided, so \/bin\/sh was not started$/],
    ];
    for (const [name, text, message] of cases) {
      it(name, async () => {
        if (text !== null) {
          writeFileSync(join(profiles, `${name}.json`), text);
          chmodSync(join(profiles, `${name}.json`), 0o644);
        }
        const marker = join(f.dir, `ran-${name}`);
        const end = await run(["--profile", name], ["/bin/sh", "-c", `: > ${marker}`]).done;
        expect(end.stderr.trim()).toMatch(message);
        expect(end.code).toBe(125);
        expect(existsSync(marker)).toBe(false);
      });
    }
  });
});
