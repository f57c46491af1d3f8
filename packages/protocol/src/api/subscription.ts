// The client's side of a streaming call: replies queue here until the consumer's
// `for await` takes them. The queue is bounded for activity, the one topic that can
// arrive faster than a UI draws: past `maxBuffered` queued events, further activity is
// dropped and counted in one "lagged" event that takes their place in the order.
// Prompts and the other events are never dropped.

import type { ApiError } from "./errors.js";
import type { CallId } from "./types-common.js";
import type { SubscriptionEvent } from "./types-methods.js";

export interface Subscription extends AsyncIterable<SubscriptionEvent> {
  /** The call's id on this connection. */
  readonly id: CallId;
  /** Ends the subscription (sends Cancel); iteration finishes. Breaking out of `for await` does the same. */
  cancel(): Promise<void>;
}

type Waiter<E> = { resolve: (r: IteratorResult<E>) => void; reject: (e: unknown) => void };

/** Events of any streaming call; only "activity" events are ever dropped. */
export class EventQueue<E extends { type: string } = SubscriptionEvent> {
  private readonly events: E[] = [];
  private waiter: Waiter<E> | undefined;
  private finished = false;
  private failure: ApiError | undefined;

  constructor(private readonly maxBuffered: number) {}

  push(event: E): void {
    if (this.finished) return;
    if (event.type === "activity" && this.events.length >= this.maxBuffered) {
      const last = this.events.at(-1) as SubscriptionEvent | undefined;
      if (last?.type === "lagged") last.dropped++;
      else this.events.push({ type: "lagged", dropped: 1 } as unknown as E);
      return;
    }
    this.events.push(event);
    this.wake();
  }

  /** No more events: iteration ends after those queued (the last being "ended"). */
  end(): void {
    this.finished = true;
    this.wake();
  }

  /** The call failed (e.g. disconnected): iteration throws after the queued events. */
  fail(err: ApiError): void {
    if (this.finished) return;
    this.failure = err;
    this.finished = true;
    this.wake();
  }

  /** The consumer stopped: queued events are discarded. */
  discard(): void {
    this.events.length = 0;
    this.failure = undefined;
    this.end();
  }

  next(): Promise<IteratorResult<E>> {
    const ready = this.take();
    if (ready !== undefined) return ready;
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private take(): Promise<IteratorResult<E>> | undefined {
    const event = this.events.shift();
    if (event !== undefined) return Promise.resolve({ done: false, value: event });
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      return Promise.reject(err);
    }
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    return undefined;
  }

  private wake(): void {
    const w = this.waiter;
    if (w === undefined) return;
    const ready = this.take();
    if (ready === undefined) return;
    this.waiter = undefined;
    ready.then(w.resolve, w.reject);
  }
}
