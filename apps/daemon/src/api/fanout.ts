// One subscription to the backend's events, fanned out to every subscribed connection that
// may receive each event (authorise.receives): a prompt reaches its own user's connections
// only. Each event is checked against the schema once, before it is fanned out.

import { replyProblem } from "@sockgate/protocol/client";
import type { SubscribeTopic, SubscriptionEvent } from "@sockgate/protocol/client";
import { receives } from "./authorise.js";
import type { ApiBackend, BackendEvent, Peer } from "./backend.js";
import type { ApiLog } from "./options.js";

export interface SubscriberSink {
  readonly peer: Peer;
  readonly topics: ReadonlySet<SubscribeTopic>;
  deliver(event: SubscriptionEvent): void;
}

function wireEvent(e: BackendEvent): SubscriptionEvent {
  switch (e.type) {
    case "prompt":
      return { type: "prompt", prompt: e.prompt };
    case "prompt-settled":
      return { type: "prompt-settled", promptId: e.promptId, outcome: e.outcome };
    case "activity":
      return { type: "activity", activity: e.activity };
  }
}

export class Fanout {
  private readonly sinks = new Set<SubscriberSink>();
  private readonly promptListeners = new Map<number, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly backend: ApiBackend,
    private readonly log: ApiLog,
  ) {
    this.unsubscribe = backend.subscribe((e) => this.publish(e));
  }

  add(sink: SubscriberSink): void {
    this.sinks.add(sink);
    if (sink.topics.has("prompts")) this.count(sink.peer.uid, +1);
  }

  remove(sink: SubscriberSink): void {
    if (this.sinks.delete(sink) && sink.topics.has("prompts")) this.count(sink.peer.uid, -1);
  }

  hasPromptSubscriber(uid: number): boolean {
    return (this.promptListeners.get(uid) ?? 0) > 0;
  }

  get promptSubscribers(): number {
    let n = 0;
    for (const c of this.promptListeners.values()) n += c;
    return n;
  }

  close(): void {
    this.unsubscribe();
  }

  private count(uid: number, delta: number): void {
    const n = (this.promptListeners.get(uid) ?? 0) + delta;
    if (n === 0) this.promptListeners.delete(uid);
    else this.promptListeners.set(uid, n);
    this.backend.promptListenersChanged?.(uid, n);
  }

  private publish(e: BackendEvent): void {
    const topic: SubscribeTopic = e.type === "activity" ? "activity" : "prompts";
    // Activity comes once per decided call: with nobody subscribed to it, not even checked.
    let wanted = false;
    for (const sink of this.sinks) if (sink.topics.has(topic)) wanted = true;
    if (!wanted) return;
    const event = wireEvent(e);
    const problem = replyProblem("Subscribe", { event });
    if (problem !== undefined) {
      this.log.error({ event: e.type, problem }, "api: dropped a backend event that does not follow the schema");
      return;
    }
    for (const sink of this.sinks) {
      if (sink.topics.has(topic) && receives(sink.peer, e)) sink.deliver(event);
    }
  }
}
