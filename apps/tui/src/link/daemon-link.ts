// The TUI's connection to sockgated: connects, subscribes to prompts and activity, and
// reconnects when the daemon goes away (the screen says so meanwhile). Activity is handed
// to the reducer in batches, at most every `flushMs`, so a full event rate costs one state
// update per batch; prompts and their outcomes go through at once.

import { ApiError, connect as apiConnect, isApiError } from "@sockgate/protocol/client";
import type { ActivityEntry, ApiClient, ConnectOptions } from "@sockgate/protocol/client";
import type { Dispatch } from "../state/actions.js";

export interface LinkOptions {
  socketPath: string;
  dispatch: Dispatch;
  /** How often batched activity is handed over; default 100 ms. */
  flushMs?: number;
  /** First retry delay after a failure; doubles up to maxRetryMs. Default 500 ms. */
  retryMs?: number;
  maxRetryMs?: number;
  connect?: (options: ConnectOptions) => Promise<ApiClient>;
  now?: () => number;
}

/** Reached, but this user may not use it: the socket's permissions, or the daemon said no. */
function isRefusal(err: unknown): boolean {
  if (isApiError(err, "io.sockgate.PermissionDenied")) return true;
  return isApiError(err, "io.sockgate.DaemonUnavailable") && err.parameters.errno === "EACCES";
}

export class DaemonLink {
  private current: ApiClient | undefined;
  private stopped = false;
  private pending: ActivityEntry[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly flushMs: number;
  private readonly connect: (options: ConnectOptions) => Promise<ApiClient>;
  private readonly now: () => number;

  constructor(private readonly options: LinkOptions) {
    this.flushMs = options.flushMs ?? 100;
    this.connect = options.connect ?? apiConnect;
    this.now = options.now ?? Date.now;
  }

  /** Runs until stop(): connect, subscribe, read events; after any failure, wait and again. */
  async run(): Promise<void> {
    let delay = this.options.retryMs ?? 500;
    const max = this.options.maxRetryMs ?? 5000;
    const socketPath = this.options.socketPath;
    while (!this.stopped) {
      this.options.dispatch({ type: "link", status: { kind: "connecting", socketPath } });
      let failure: unknown;
      try {
        await this.session();
        delay = this.options.retryMs ?? 500;
      } catch (err) {
        failure = err;
      }
      this.current = undefined;
      if (this.stopped) break;
      const err = failure ?? new ApiError("io.sockgate.Disconnected", "the daemon ended the connection");
      const code = isApiError(err) ? err.code : "io.sockgate.Disconnected";
      const message = err instanceof Error ? err.message : String(err);
      if (isRefusal(err)) this.options.dispatch({ type: "link", status: { kind: "denied", socketPath, code, message } });
      else this.options.dispatch({ type: "link", status: { kind: "down", socketPath, code, message, since: this.now() } });
      await this.sleep(isRefusal(err) ? Math.max(delay, 5000) : delay);
      delay = Math.min(max, delay * 2);
    }
  }

  private async session(): Promise<void> {
    const client = await this.connect({ socketPath: this.options.socketPath, client: { name: "sockgate-tui" } });
    if (this.stopped) {
      client.close();
      return;
    }
    this.current = client;
    try {
      const sub = client.subscribe(["prompts", "activity"], { maxBuffered: 5000 });
      let up = false;
      for await (const event of sub) {
        switch (event.type) {
          case "subscribed":
            up = true;
            this.options.dispatch({ type: "link", status: { kind: "up", socketPath: this.options.socketPath, hello: client.hello } });
            client.status().then(
              (status) => this.options.dispatch({ type: "daemon-status", status }),
              () => undefined, // the header does without it
            );
            break;
          case "prompt":
            this.flush();
            this.options.dispatch({ type: "prompt", prompt: event.prompt });
            break;
          case "prompt-settled":
            this.flush();
            this.options.dispatch({ type: "prompt-settled", promptId: event.promptId, outcome: event.outcome });
            break;
          case "activity":
            this.pending.push(event.activity);
            this.flushTimer ??= setTimeout(() => this.flush(), this.flushMs);
            break;
          case "lagged":
            this.options.dispatch({ type: "lagged", dropped: event.dropped });
            break;
          case "ended":
            return;
        }
      }
      if (!up) throw new ApiError("io.sockgate.Disconnected", "the subscription ended before it started");
    } finally {
      this.flush();
      client.close();
    }
  }

  private flush(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const entries = this.pending;
    this.pending = [];
    this.options.dispatch({ type: "activity", entries });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.retryTimer = setTimeout(resolve, ms);
    });
  }

  /** The connected client, for calls; DaemonUnavailable while there is none. */
  client(): ApiClient {
    if (this.current === undefined) throw new ApiError("io.sockgate.DaemonUnavailable", "not connected to the daemon (it is not running, or is restarting)");
    return this.current;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.wake?.();
    this.current?.close();
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
  }
}
