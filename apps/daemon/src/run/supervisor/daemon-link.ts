// The supervisor's connection to sockgated: one Supervise session for the command and its
// DecideCall questions (at most MAX_IN_FLIGHT at once, the rest queued: the daemon allows
// 64 calls in progress per connection). When the daemon goes away every question waiting
// fails (the call is refused), cached verdicts are dropped, and the link connects again
// every second, opening a new session for the same command.

import { ApiError, connect } from "@sockgate/protocol/client";
import type { ApiClient, RunCall, RunProfile, RunVerdict, Supervision, SupervisionEvent } from "@sockgate/protocol/client";

const MAX_IN_FLIGHT = 48;
const RECONNECT_MS = 1000;

export interface DaemonLinkOptions {
  socketPath?: string;
  pid: number;
  profile?: RunProfile;
  /** The verdicts the supervisor keeps are stale (the rules changed, or the daemon is another one). */
  onStale: () => void;
  /** Said once per change: lost, or back. */
  onNotice: (text: string) => void;
}

type Started = Extract<SupervisionEvent, { type: "started" }>;

export class DaemonLink {
  private client: ApiClient | undefined;
  private supervision: Supervision | undefined;
  private session: string | undefined;
  private inFlight = 0;
  private readonly queue: Array<() => void> = [];
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly o: DaemonLinkOptions) {}

  /** Connects and opens the session; rejects (ApiError) when either fails: then nothing was started. */
  static async open(o: DaemonLinkOptions): Promise<{ link: DaemonLink; started: Started }> {
    const link = new DaemonLink(o);
    const started = await link.attach();
    return { link, started };
  }

  /** Decides one call; rejects when the daemon cannot answer (the caller refuses the call). */
  async decide(call: Omit<RunCall, "session">): Promise<RunVerdict> {
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.inFlight++;
    try {
      const client = this.client;
      const session = this.session;
      if (client === undefined || session === undefined) throw new ApiError("io.sockgate.DaemonUnavailable", "sockgated is not reachable: the call is refused until it is back");
      return await client.decideCall({ ...call, session });
    } finally {
      this.inFlight--;
      this.queue.shift()?.();
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.client?.close();
  }

  private async attach(): Promise<Started> {
    const client = await connect({ socketPath: this.o.socketPath, client: { name: "sockgate-run" } });
    try {
      const supervision = client.supervise({ pid: this.o.pid, ...(this.o.profile ? { profile: this.o.profile } : {}) });
      const it = supervision[Symbol.asyncIterator]();
      const first = await it.next();
      if (first.done === true || first.value.type !== "started") throw new ApiError("io.sockgate.InvalidReply", "the daemon did not start the session");
      this.client = client;
      this.supervision = supervision;
      this.session = first.value.session;
      void this.follow(it);
      void client.closed.then(() => this.lost());
      return first.value;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  private async follow(it: AsyncIterator<SupervisionEvent>): Promise<void> {
    try {
      for (let r = await it.next(); r.done !== true; r = await it.next()) if (r.value.type === "rules-changed") this.o.onStale();
    } catch {
      // the connection ended: lost() says so
    }
  }

  private lost(): void {
    if (this.closed || this.client === undefined) return;
    this.client = undefined;
    this.supervision = undefined;
    this.session = undefined;
    this.o.onStale();
    this.o.onNotice("sockgate run: lost sockgated: calls that are not already decided are refused until it is back");
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.attach().then(
        () => this.o.onNotice("sockgate run: sockgated is back: calls are decided again"),
        () => this.retry(),
      );
    }, RECONNECT_MS);
    this.timer.unref();
  }
}
