// Streaming calls on the client side: Subscribe and Supervise both send one call with
// `more: true`, queue its replies, and end with Cancel.

import { ApiError } from "./errors.js";
import type { ClientTransport } from "./client-transport.js";
import type { MethodName } from "./interface.js";
import type { EventQueue } from "./subscription.js";
import type { CallId } from "./types-common.js";
import type { ParamsOf } from "./types-methods.js";
import type { SupervisionEvent } from "./types-run.js";

export interface EventStream<E> extends AsyncIterable<E> {
  /** The call's id on this connection. */
  readonly id: CallId;
  /** Ends the call (sends Cancel); iteration finishes. Breaking out of `for await` does the same. */
  cancel(): Promise<void>;
}

/** A Supervise call: "started" first, then "rules-changed" events, until cancelled. */
export type Supervision = EventStream<SupervisionEvent>;

export function openStream<M extends MethodName, E extends { type: string }>(
  transport: ClientTransport,
  method: M,
  parameters: ParamsOf<M>,
  queue: EventQueue<E>,
  eventOf: (parameters: Record<string, unknown>) => E,
): EventStream<E> {
  const id = transport.send(method, parameters as Record<string, unknown>, {
    reply: (p, last) => {
      queue.push(eventOf(p));
      if (last) queue.end();
    },
    fail: (err) => queue.fail(err),
  });
  let cancelling: Promise<void> | undefined;
  const cancel = (): Promise<void> => {
    cancelling ??= (async () => {
      queue.discard();
      try {
        await new Promise((resolve, reject) => transport.send("Cancel", { call: id }, { reply: resolve, fail: reject }));
      } catch (err) {
        // Already ended (NotFound) or the connection is gone: either way nothing more arrives.
        if (!(err instanceof ApiError)) throw err;
      } finally {
        transport.forget(id);
      }
    })();
    return cancelling;
  };
  return {
    id,
    cancel,
    [Symbol.asyncIterator]: () => ({
      next: () => queue.next(),
      return: async () => {
        await cancel();
        return { done: true, value: undefined };
      },
    }),
  };
}
