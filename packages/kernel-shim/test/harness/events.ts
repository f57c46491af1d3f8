import { event, type ShimEvent } from "@sockgate/protocol";
import type { Cleanup } from "./cleanup.js";

/** Anything with the shim's onEvent shape (kept structural so the harness does not need the addon). */
export interface EventSource {
  onEvent(listener: (record: Buffer) => void): () => void;
}

/**
 * Decodes every record the shim emits and lets a test wait for the one it caused.
 * Waiting yields to the event loop, which is where the shim's libuv poll delivers records.
 */
export class EventCollector {
  readonly events: ShimEvent[] = [];
  readonly decodeErrors: Error[] = [];
  private waiters: Array<() => void> = [];

  constructor(source: EventSource, cleanup: Cleanup) {
    const off = source.onEvent((record) => {
      try {
        this.events.push(event.decode(record));
      } catch (err) {
        this.decodeErrors.push(err as Error);
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    cleanup.add("stop collecting events", off);
  }

  matching(pred: (e: ShimEvent) => boolean): ShimEvent[] {
    return this.events.filter(pred);
  }

  /** The first event (already received or still to come) matching pred; rejects after timeoutMs. */
  async waitFor(pred: (e: ShimEvent) => boolean, timeoutMs = 3000, what = "event"): Promise<ShimEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.events.map((e) => `${e.op}/${e.proto}/${e.hook}/${e.verdict}/${e.reason} tgid ${e.tgid} ${e.remoteAddr}:${e.remotePort}`);
        throw new Error(`no ${what} within ${timeoutMs} ms; ${this.events.length} events seen: ${seen.join(", ") || "none"}${this.decodeErrors.length ? `; decode errors: ${this.decodeErrors.map((e) => e.message).join("; ")}` : ""}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits quietMs and returns whatever matching events arrived (for "no event" checks). */
  async settle(pred: (e: ShimEvent) => boolean, quietMs = 300): Promise<ShimEvent[]> {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    return this.matching(pred);
  }
}
