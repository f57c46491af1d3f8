import { describe, expect, it } from "vitest";
import { reducer } from "../state/reducer.js";
import type { TuiState } from "../state/types.js";
import { NOW, connected, prompt } from "../test-support/fixtures.js";
import type { Command } from "./key-press.js";
import { isEffect, keyPresses } from "./key-press.js";
import { EDITOR_KEYS, GLOBAL_KEYS, VIEW_KEYS, footerLines } from "./keymap.js";
import { routeKey } from "./route.js";

/** Types `input` (as one read, like a terminal delivers fast keys) at `now`; returns the state and the effects. */
function type(s: TuiState, input: string, now: number, key = {}): { s: TuiState; effects: Command[] } {
  const effects: Command[] = [];
  for (const k of keyPresses(input, key)) {
    for (const c of routeKey({ ...s, now }, k, { keyGuardMs: 300, page: 10 })) {
      if (isEffect(c)) effects.push(c);
      else s = reducer({ ...s, now }, c);
    }
  }
  return { s, effects };
}

const shown = (): TuiState => reducer(connected(), { type: "prompt", prompt: prompt() });

describe("keys", () => {
  it("keys read together act in order: 'af' then Enter answers allow forever", () => {
    const { effects } = type(shown(), "af\r", NOW + 1000);
    expect(effects).toEqual([{ effect: "answer", promptId: "p1", answer: { action: "allow", scope: "host-port", duration: "forever" } }]);
  });

  it("answer keys wait out the guard after a prompt appears, so typing meant elsewhere cannot answer it", () => {
    expect(type(shown(), "a\r", NOW + 100).effects).toEqual([]);
    expect(type(shown(), "\r", NOW + 400).effects).toEqual([{ effect: "answer", promptId: "p1", answer: { action: "deny", scope: "host-port", duration: "once" } }]);
  });

  it("arrows choose: down to scope, right twice is 'this domain'; s and t cycle", () => {
    let { s } = type(shown(), "", NOW + 1000, { downArrow: true });
    s = type(s, "", NOW + 1000, { rightArrow: true }).s;
    s = type(s, "", NOW + 1000, { rightArrow: true }).s;
    expect(s.prompts.choices.p1?.scope).toBe("domain");
    s = type(s, "st", NOW + 1000).s;
    expect(s.prompts.choices.p1).toMatchObject({ scope: "any", duration: "process" });
  });

  it("q with prompts waiting asks for a second q; another key disarms it", () => {
    let r = type(shown(), "q", NOW + 1000);
    expect(r.effects).toEqual([]);
    expect(r.s.notice?.text).toMatch(/1 prompt is waiting.*Press q again/);
    expect(type(r.s, "q", NOW + 1000).effects).toEqual([{ effect: "quit" }]);
    r = type(r.s, "n", NOW + 1000);
    expect(r.s.quitArmed).toBe(false);
    expect(type(connected(), "q", NOW).effects).toEqual([{ effect: "quit" }]);
  });

  it("a typed filter takes every key, including those that are commands elsewhere ('q', '1')", () => {
    let { s } = type({ ...connected(), view: "activity" }, "/", NOW);
    s = type(s, "q1curl", NOW).s;
    expect(s.activity.text).toBe("q1curl");
    expect(s.view).toBe("activity");
    s = type(s, "", NOW, { escape: true }).s;
    expect([s.input, s.activity.text]).toEqual([undefined, ""]);
  });

  it("keys go to the pane focused after the key before them: '+', a field name, Enter, Enter edits the new field", () => {
    let s: TuiState = { ...connected(), view: "rules" };
    s = reducer(s, { type: "editor-open", editor: { ruleId: "r", owner: { kind: "user", uid: 1001 }, fixed: {}, rows: [], selected: 0, error: undefined, saving: false, enabled: true } });
    s = type(s, "+remotePort\r\r[443]\r", NOW).s;
    expect(s.rules.editor?.rows).toEqual([{ path: "match.remotePort", text: "[443]", string: false }]);
    expect(s.input).toBeUndefined();
  });

  it("no key works on a daemon that is down but the global ones", () => {
    const down: TuiState = { ...shown(), link: { kind: "down", socketPath: "/x", code: "io.sockgate.DaemonUnavailable", message: "gone", since: NOW } };
    expect(type(down, "af\r", NOW + 1000).effects).toEqual([]);
    expect(type(down, "2", NOW).s.view).toBe("activity");
  });

  it("the footer lists every key of each view and the global ones within two lines at 80 columns", () => {
    for (const bindings of [...Object.values(VIEW_KEYS), EDITOR_KEYS]) {
      const lines = footerLines([...bindings, ...GLOBAL_KEYS], 79);
      expect(lines.length, lines.join("\n")).toBeLessThanOrEqual(2);
      for (const b of [...bindings, ...GLOBAL_KEYS]) expect(lines.join(" ")).toContain(`${b.keys} ${b.short}`);
    }
  });
});
