import type { ApiPrompt, Reply, SubscriptionEvent } from "@sockgate/protocol/client";
import { describe, expect, it } from "vitest";
import type { Peer } from "./backend.js";
import { ACTIVITY_HIGH_WATER, EventStream } from "./stream.js";

const peer = { uid: 1000 } as Peer;
const prompt = (id: string) => ({ id }) as ApiPrompt;
const activity = (exe: string): SubscriptionEvent => ({ type: "activity", activity: { exe } as never });

function stream(): { s: EventStream; sent: Reply[]; backlog: { bytes: number } } {
  const sent: Reply[] = [];
  const backlog = { bytes: 0 };
  const s = new EventStream(5, peer, new Set(["prompts", "activity"]), { backlogBytes: () => backlog.bytes, write: (r) => void sent.push(r) });
  return { s, sent, backlog };
}

const events = (sent: Reply[]): SubscriptionEvent[] => sent.map((r) => r.parameters?.event as SubscriptionEvent);

describe("EventStream", () => {
  it("sends subscribed, then the pending prompts, then what arrived meanwhile, without repeating a prompt", () => {
    const { s, sent } = stream();
    s.confirm();
    s.deliver({ type: "prompt", prompt: prompt("p2") }); // raised while the pending list was read, and in it
    s.deliver({ type: "prompt", prompt: prompt("p3") });
    expect(sent).toHaveLength(1);
    s.open([prompt("p1"), prompt("p2")]);
    s.deliver({ type: "prompt", prompt: prompt("p4") });
    expect(events(sent).map((e) => ("prompt" in e ? e.prompt.id : e.type))).toEqual(["subscribed", "p1", "p2", "p3", "p4"]);
    expect(sent.every((r) => "continues" in r && r.continues === true && r.id === 5)).toBe(true);
  });

  it("drops activity while the socket is backed up and reports the count before the next event, or when it drains", () => {
    const { s, sent, backlog } = stream();
    s.open([]);
    backlog.bytes = ACTIVITY_HIGH_WATER + 1;
    s.deliver(activity("/a"));
    s.deliver(activity("/b"));
    s.deliver({ type: "prompt", prompt: prompt("p1") }); // never dropped
    backlog.bytes = 0;
    s.deliver(activity("/c"));
    backlog.bytes = ACTIVITY_HIGH_WATER + 1;
    s.deliver(activity("/d"));
    s.drained();
    expect(events(sent)).toEqual([
      { type: "lagged", dropped: 2 },
      { type: "prompt", prompt: prompt("p1") },
      activity("/c"),
      { type: "lagged", dropped: 1 },
    ]);
  });

  it("ends with a last reply", () => {
    const { s, sent } = stream();
    s.end("shutdown");
    expect(sent).toEqual([{ id: 5, parameters: { event: { type: "ended", reason: "shutdown" } } }]);
  });
});
