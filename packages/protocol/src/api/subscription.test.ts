import { describe, expect, it } from "vitest";
import { ApiError } from "./errors.js";
import { EventQueue } from "./subscription.js";
import type { SubscriptionEvent } from "./types-methods.js";
import { HISTORY_ENTRY, PROMPT } from "./test-fixtures.js";

const activity = (n: number): SubscriptionEvent => ({ type: "activity", activity: { ...HISTORY_ENTRY, at: n } });
const prompt: SubscriptionEvent = { type: "prompt", prompt: PROMPT };

async function drain(q: EventQueue): Promise<SubscriptionEvent[]> {
  const out: SubscriptionEvent[] = [];
  for (let r = await q.next(); !r.done; r = await q.next()) out.push(r.value);
  return out;
}

describe("EventQueue", () => {
  it("hands events over in order, to a waiting consumer too, and ends", async () => {
    const q = new EventQueue(10);
    const first = q.next();
    q.push(prompt);
    expect(await first).toEqual({ done: false, value: prompt });
    q.push(activity(1));
    q.end();
    q.push(activity(2)); // after the end: ignored
    expect(await drain(q)).toEqual([activity(1)]);
  });

  it("past maxBuffered drops activity into one lagged event in its place, never a prompt", async () => {
    const q = new EventQueue(2);
    q.push(activity(1));
    q.push(activity(2));
    q.push(activity(3));
    q.push(activity(4));
    q.push(prompt);
    q.push(activity(5));
    q.end();
    expect(await drain(q)).toEqual([activity(1), activity(2), { type: "lagged", dropped: 2 }, prompt, { type: "lagged", dropped: 1 }]);
  });

  it("throws the failure after the queued events", async () => {
    const q = new EventQueue(10);
    q.push(prompt);
    q.fail(new ApiError("io.sockgate.Disconnected", "gone"));
    expect(await q.next()).toEqual({ done: false, value: prompt });
    await expect(q.next()).rejects.toMatchObject({ code: "io.sockgate.Disconnected" });
  });

  it("discard drops what is queued and ends", async () => {
    const q = new EventQueue(10);
    q.push(prompt);
    q.discard();
    expect(await q.next()).toEqual({ done: true, value: undefined });
  });
});
