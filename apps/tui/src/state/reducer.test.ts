import { describe, expect, it } from "vitest";
import { NOW, activity, connected, prompt } from "../test-support/fixtures.js";
import { visibleLines } from "./activity.js";
import { reducer } from "./reducer.js";
import type { TuiState } from "./types.js";

const outcome = (promptId: string, action: "allow" | "deny" = "deny") => ({ promptId, action, answeredBy: "timeout" as const, reason: "no answer within 60 s: default deny applied", rules: [] });

describe("the reducer", () => {
  it("queues prompts oldest first, updates a coalesced one in place, and shows the next when one is settled", () => {
    let s = connected();
    for (const id of ["p1", "p2", "p3"]) s = reducer(s, { type: "prompt", prompt: prompt({ id }) });
    s = reducer(s, { type: "prompt", prompt: prompt({ id: "p2", requests: 4 }) });
    expect(s.prompts.queue.map((p) => [p.id, p.requests])).toEqual([["p1", 1], ["p2", 4], ["p3", 1]]);
    expect(s.prompts.current).toBe("p1");
    s = reducer(s, { type: "prompt-move", delta: 1 });
    s = reducer(s, { type: "prompt-settled", promptId: "p2", outcome: outcome("p2") });
    expect(s.prompts.current, "the one after it takes its place").toBe("p3");
    s = reducer(s, { type: "prompt-settled", promptId: "p2", outcome: outcome("p2") });
    expect(s.prompts.settled.map((x) => x.promptId), "told twice, kept once").toEqual(["p2"]);
  });

  it("a new prompt comes to the front, unless the person is typing", () => {
    const s = { ...connected(), view: "rules" as const };
    expect(reducer(s, { type: "prompt", prompt: prompt() }).view).toBe("prompts");
    const typing = reducer(s, { type: "input-start", target: "rules-search", text: "" });
    expect(reducer(typing, { type: "prompt", prompt: prompt() }).view).toBe("rules");
  });

  it("losing the daemon drops its prompts (a new daemon raises them again)", () => {
    const s = reducer(connected(), { type: "prompt", prompt: prompt() });
    const down = reducer(s, { type: "link", status: { kind: "down", socketPath: "/x", code: "io.sockgate.Disconnected", message: "gone", since: NOW } });
    expect([down.prompts.queue, down.prompts.current]).toEqual([[], undefined]);
  });

  it("keeps at most `capacity` activity lines however many arrive, and counts them all", () => {
    let s: TuiState = connected();
    for (let batch = 0; batch < 100; batch++) s = reducer(s, { type: "activity", entries: Array.from({ length: 100 }, (_, i) => activity(batch * 100 + i)) });
    expect(s.activity.total).toBe(10_000);
    expect(s.activity.lines.length).toBe(s.activity.capacity);
    expect(s.activity.lines.at(-1)!.seq).toBe(10_000);
  });

  it("scrolled back or paused, the lines on screen stay put while new ones arrive", () => {
    let s: TuiState = reducer(connected(), { type: "activity", entries: Array.from({ length: 50 }, (_, i) => activity(i)) });
    s = reducer(s, { type: "activity-scroll", delta: 5 });
    const before = visibleLines(s.activity, 10).lines.map((l) => l.seq);
    s = reducer(s, { type: "activity", entries: [activity(60), activity(61)] });
    expect(visibleLines(s.activity, 10).lines.map((l) => l.seq)).toEqual(before);
    s = reducer(reducer(s, { type: "activity-scroll-to", end: "newest" }), { type: "activity-pause" });
    const paused = visibleLines(s.activity, 10).lines.map((l) => l.seq);
    s = reducer(s, { type: "activity", entries: [activity(70)] });
    expect(visibleLines(s.activity, 10).lines.map((l) => l.seq)).toEqual(paused);
    expect(s.activity.total).toBe(53);
  });

  it("filters activity by verdict and by text over program, host, address and rule", () => {
    let s: TuiState = reducer(connected(), { type: "activity", entries: Array.from({ length: 40 }, (_, i) => activity(i)) });
    s = reducer(s, { type: "activity-verdict", verdict: "deny" });
    expect(visibleLines(s.activity, 100).lines.every((l) => l.verdict === "deny")).toBe(true);
    s = reducer(reducer(s, { type: "activity-verdict", verdict: "all" }), { type: "activity-text", text: "python" });
    expect(visibleLines(s.activity, 100).lines.every((l) => l.exe.includes("python"))).toBe(true);
  });
});
