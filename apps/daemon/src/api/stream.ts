// One Subscribe call on one connection. "subscribed" goes first, at once, then the pending
// prompts: while they are fetched, live events wait in a backlog, and a prompt already sent
// from the pending list is not sent again. Activity is dropped while the client's socket
// is backed up (counted, then reported in one "lagged" event); prompts never are.

import type { CallId, Reply, SubscribeTopic, SubscriptionEvent } from "@sockgate/protocol/client";
import type { ApiPrompt } from "@sockgate/protocol/client";
import type { Peer } from "./backend.js";
import type { SubscriberSink } from "./fanout.js";

export interface StreamOutput {
  /** Bytes written but not yet taken by the client. */
  backlogBytes(): number;
  write(reply: Reply): void;
}

/** Past this many unread bytes on the socket, activity is dropped. */
export const ACTIVITY_HIGH_WATER = 256 * 1024;

export class EventStream implements SubscriberSink {
  private held: SubscriptionEvent[] | null = [];
  private dropped = 0;

  constructor(
    readonly id: CallId,
    readonly peer: Peer,
    readonly topics: ReadonlySet<SubscribeTopic>,
    private readonly out: StreamOutput,
  ) {}

  deliver(event: SubscriptionEvent): void {
    if (this.held !== null) this.held.push(event);
    else this.send(event);
  }

  /** The first reply, at once: the subscription is live (pending prompts follow). */
  confirm(): void {
    this.send({ type: "subscribed", topics: [...this.topics] });
  }

  /** Sends the pending prompts, then what arrived meanwhile; from then on events go straight out. */
  open(pending: readonly ApiPrompt[]): void {
    const sent = new Set<string>();
    for (const prompt of pending) {
      sent.add(prompt.id);
      this.send({ type: "prompt", prompt });
    }
    const held = this.held ?? [];
    this.held = null;
    for (const e of held) if (!(e.type === "prompt" && sent.has(e.prompt.id))) this.send(e);
  }

  /** The socket drained: say what was dropped. */
  drained(): void {
    this.reportDropped();
  }

  /** The last reply of the call. */
  end(reason: "cancelled" | "shutdown"): void {
    this.out.write({ id: this.id, parameters: { event: { type: "ended", reason } } });
  }

  private send(event: SubscriptionEvent): void {
    if (event.type === "activity" && this.out.backlogBytes() > ACTIVITY_HIGH_WATER) {
      this.dropped++;
      return;
    }
    this.reportDropped();
    this.out.write({ id: this.id, parameters: { event }, continues: true });
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    const dropped = this.dropped;
    this.dropped = 0;
    this.out.write({ id: this.id, parameters: { event: { type: "lagged", dropped } }, continues: true });
  }
}
