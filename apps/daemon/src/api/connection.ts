// One client connection: reads lines, settles the interface version (Hello), runs calls
// (several at once, each reply carrying its call's id), streams subscriptions, and writes
// replies. A bad message gets its named error and the connection goes on. Messages are
// handled in turns by user (user-turns.ts); a client that leaves its replies unread gets no
// turns until they drain (the connection stops reading meanwhile), and is cut off before its
// unread replies, or its user's, can grow without bound.

import { ApiError, CallError, LineReader, SUPPORTED_INTERFACES, decodeCall, encodeLine, errorReply, replyProblem } from "@sockgate/protocol/client";
import type { CallId, DecodedCall, HelloParameters, MethodName, ParamsOf, Reply, SubscribeTopic } from "@sockgate/protocol/client";
import type { Socket } from "node:net";
import type { Peer } from "./backend.js";
import type { CallContext } from "./call-context.js";
import { toApiError } from "./error-map.js";
import type { Fanout } from "./fanout.js";
import { runOf } from "./handle-run.js";
import { HANDLERS } from "./handlers.js";
import type { ConnectionMethod } from "./handlers.js";
import type { ApiLog } from "./options.js";
import type { RunSession } from "./run-backend.js";
import { EventStream } from "./stream.js";
import type { TurnTaker, UserTurns } from "./user-turns.js";

/** Unread bytes past which the client is disconnected. */
const WRITE_LIMIT = 32 * 1024 * 1024;
/** Unread bytes past which this connection takes no turns until they drain. */
const PAUSE_AT = 256 * 1024;

type Frame = { line: string } | { tooLarge: true };

export interface ConnectionSettings {
  maxMessageBytes: number;
  handshakeTimeoutMs: number;
  maxCallsInFlight: number;
  serverVersion: string;
  turns: UserTurns;
  context: Omit<CallContext, "peer">;
  fanout: Fanout;
  log: ApiLog;
  stopping: () => boolean;
  closed: (connection: Connection) => void;
}

export class Connection implements TurnTaker {
  private iface: string | undefined;
  /** Messages read and waiting for a turn. */
  private readonly backlog: Frame[] = [];
  private readonly reader: LineReader;
  private readonly calls = new Set<CallId>();
  private readonly streams = new Map<CallId, EventStream>();
  /** Supervise calls in progress (sockgate run sessions). */
  private readonly runs = new Map<CallId, RunSession>();
  private readonly handshakeTimer: NodeJS.Timeout;
  private readonly context: CallContext;

  constructor(
    readonly peer: Peer,
    private readonly socket: Socket,
    private readonly s: ConnectionSettings,
  ) {
    this.reader = new LineReader(s.maxMessageBytes);
    this.context = { ...s.context, peer };
    s.turns.join(this);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("drain", () => {
      this.streams.forEach((st) => st.drained());
      if (this.backlog.length > 0) s.turns.want(this);
    });
    socket.on("error", (err) => s.log.info({ uid: peer.uid, pid: peer.pid, err: err.message }, "api: connection failed"));
    socket.on("close", () => this.teardown());
    this.handshakeTimer = setTimeout(() => {
      this.fail(null, new ApiError("io.sockgate.HandshakeRequired", `no Hello within ${s.handshakeTimeoutMs} ms; closing`));
      socket.end();
    }, s.handshakeTimeoutMs);
    this.handshakeTimer.unref();
  }

  /** The daemon is stopping: end every stream and the connection. */
  shutdown(): void {
    for (const st of this.streams.values()) {
      this.s.fanout.remove(st);
      st.end("shutdown");
    }
    this.streams.clear();
    for (const [id, run] of this.runs) {
      run.stop();
      this.write({ id, parameters: { event: { type: "ended", reason: "shutdown" } } });
    }
    this.runs.clear();
    this.socket.end();
  }

  get subscribed(): number {
    return this.streams.size;
  }

  get uid(): number {
    return this.peer.uid;
  }

  get unread(): number {
    return this.socket.destroyed ? 0 : this.socket.writableLength;
  }

  private write(reply: Reply): void {
    if (this.socket.destroyed) return;
    this.socket.write(encodeLine(reply));
    const unread = this.socket.writableLength;
    // The sum over the user's connections only matters once this one holds much.
    const userUnread = unread > PAUSE_AT ? this.s.turns.unreadOf(this.peer.uid) : unread;
    if (unread > WRITE_LIMIT || userUnread > this.s.turns.maxUnreadPerUser) {
      this.s.log.warn({ uid: this.peer.uid, pid: this.peer.pid, unread, userUnread }, "api: client does not read its replies; disconnecting it");
      this.socket.destroy();
    }
  }

  private fail(id: CallId | null, err: ApiError): void {
    this.write(errorReply(id, err));
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) this.backlog.push(frame);
    if (this.backlog.length === 0) return;
    // Nothing more is read until the backlog is handled: the client's writes block instead.
    this.socket.pause();
    this.s.turns.want(this);
  }

  /** One turn: handles the next waiting message, unless the client has replies to read first. */
  step(): boolean {
    if (this.socket.destroyed) return false;
    if (this.socket.writableLength > PAUSE_AT) return false; // "drain" asks for turns again
    const frame = this.backlog.shift();
    if (frame === undefined) return false;
    if ("tooLarge" in frame) {
      this.fail(null, new ApiError("io.sockgate.MessageTooLarge", `a message passed ${this.s.maxMessageBytes} bytes (the most this daemon reads); it was skipped up to its newline`, { maxMessageBytes: this.s.maxMessageBytes }));
    } else {
      this.handle(frame.line);
    }
    if (this.backlog.length > 0) return !this.socket.destroyed;
    if (!this.socket.destroyed) this.socket.resume();
    return false;
  }

  private handle(line: string): void {
    let call: DecodedCall;
    try {
      call = decodeCall(line);
    } catch (err) {
      if (!(err instanceof CallError)) throw err;
      this.fail(err.callId, err);
      return;
    }
    const refusal = this.refusal(call);
    if (refusal !== undefined) return this.fail(call.id, refusal);
    if (call.method === "Hello") return this.hello(call);
    if (call.method === "Subscribe") return void this.subscribe(call);
    if (call.method === "Supervise") return void this.supervise(call);
    if (call.method === "Cancel") return this.cancel(call);
    void this.run(call, call.method);
  }

  /** Why the call cannot run now, if it cannot. */
  private refusal(call: DecodedCall): ApiError | undefined {
    if (this.calls.has(call.id) || this.streams.has(call.id) || this.runs.has(call.id)) return new ApiError("io.sockgate.Conflict", `call id ${JSON.stringify(call.id)} belongs to a call in progress on this connection`);
    if (this.s.stopping()) return new ApiError("io.sockgate.Unavailable", "the daemon is stopping");
    if (call.method === "Hello") return undefined;
    if (this.iface === undefined) return new ApiError("io.sockgate.HandshakeRequired", `${call.method} before Hello: call ${SUPPORTED_INTERFACES[0]}.Hello first`);
    if (call.iface !== this.iface) {
      return new ApiError("io.sockgate.VersionUnsupported", `this connection speaks ${this.iface} (settled by Hello), not ${call.iface}`, { supported: [this.iface] });
    }
    if (this.calls.size >= this.s.maxCallsInFlight) return new ApiError("io.sockgate.LimitExceeded", `${this.s.maxCallsInFlight} calls are in progress on this connection; wait for a reply`);
    return undefined;
  }

  private hello(call: DecodedCall): void {
    if (this.iface !== undefined) return this.fail(call.id, new ApiError("io.sockgate.InvalidMessage", `Hello was already called; this connection speaks ${this.iface}`));
    const p = call.parameters as unknown as HelloParameters;
    const chosen = p.versions.find((v) => SUPPORTED_INTERFACES.includes(v));
    if (chosen === undefined) {
      return this.fail(
        call.id,
        new ApiError("io.sockgate.VersionUnsupported", `the client speaks ${p.versions.join(", ")}; this daemon speaks ${SUPPORTED_INTERFACES.join(", ")}`, { supported: [...SUPPORTED_INTERFACES] }),
      );
    }
    clearTimeout(this.handshakeTimer);
    this.iface = chosen;
    if (p.client !== undefined) this.peer.client = p.client;
    const { uid, gid, pid, groups, admin } = this.peer;
    this.reply(call.id, "Hello", {
      interface: chosen,
      server: { name: "sockgated", version: this.s.serverVersion },
      peer: { uid, gid, pid, groups: [...groups], admin },
      limits: { maxMessageBytes: this.s.maxMessageBytes },
    });
  }

  /** A checked reply: one that does not follow the schema is a daemon bug, answered InternalError. */
  private reply(id: CallId, method: MethodName, parameters: object): void {
    const problem = replyProblem(method, parameters);
    if (problem === undefined) return this.write({ id, parameters: parameters as Record<string, unknown> });
    this.s.log.error({ method, problem }, "api: a reply does not follow the schema");
    this.fail(id, new ApiError("io.sockgate.InternalError", `${method} failed inside the daemon; its log says why`));
  }

  private async run(call: DecodedCall, method: Exclude<MethodName, ConnectionMethod>): Promise<void> {
    this.calls.add(call.id);
    try {
      const handler = HANDLERS[method] as (ctx: CallContext, p: unknown) => Promise<object>;
      this.reply(call.id, method, await handler(this.context, call.parameters));
    } catch (err) {
      this.failCall(call.id, method, err);
    } finally {
      this.calls.delete(call.id);
    }
  }

  private failCall(id: CallId, method: MethodName, err: unknown): void {
    const { error, fault } = toApiError(err, method);
    if (fault) this.s.log.error({ method, uid: this.peer.uid, err: String((err as Error)?.stack ?? err) }, "api: a call failed in the backend");
    this.fail(id, error);
  }

  private async subscribe(call: DecodedCall): Promise<void> {
    const topics = new Set(call.parameters.topics as SubscribeTopic[]);
    const stream = new EventStream(call.id, this.peer, topics, {
      backlogBytes: () => this.socket.writableLength,
      write: (r) => this.write(r),
    });
    this.streams.set(call.id, stream);
    this.s.fanout.add(stream);
    stream.confirm();
    try {
      const pending = topics.has("prompts") ? await this.context.backend.pendingPrompts(this.peer.uid) : [];
      if (this.streams.get(call.id) === stream) stream.open(pending.filter((p) => p.uid === this.peer.uid));
    } catch (err) {
      this.s.fanout.remove(stream);
      this.streams.delete(call.id);
      this.failCall(call.id, "Subscribe", err);
    }
  }

  /** A sockgate run session: "started", then "rules-changed" events, until cancelled or the connection ends. */
  private async supervise(call: DecodedCall): Promise<void> {
    const event = (e: object, last = false): void => {
      const parameters = { event: e };
      const problem = replyProblem("Supervise", parameters);
      if (problem !== undefined) return this.s.log.error({ problem }, "api: a Supervise event does not follow the schema");
      this.write({ id: call.id, parameters, ...(last ? {} : { continues: true }) });
    };
    this.calls.add(call.id);
    try {
      const run = await runOf(this.context.run).supervise(this.peer, call.parameters as unknown as ParamsOf<"Supervise">, (e) => {
        if (this.runs.has(call.id)) event(e, e.type === "ended");
      });
      if (this.socket.destroyed) return run.stop();
      this.runs.set(call.id, run);
      event(run.started);
    } catch (err) {
      this.failCall(call.id, "Supervise", err);
    } finally {
      this.calls.delete(call.id);
    }
  }

  private cancel(call: DecodedCall): void {
    const target = call.parameters.call as CallId;
    const run = this.runs.get(target);
    if (run !== undefined) {
      this.runs.delete(target);
      run.stop();
      this.write({ id: target, parameters: { event: { type: "ended", reason: "cancelled" } } });
      return this.reply(call.id, "Cancel", {});
    }
    const stream = this.streams.get(target);
    if (stream === undefined) return this.fail(call.id, new ApiError("io.sockgate.NotFound", `no streaming call ${JSON.stringify(target)} on this connection`));
    this.s.fanout.remove(stream);
    this.streams.delete(target);
    stream.end("cancelled");
    this.reply(call.id, "Cancel", {});
  }

  private teardown(): void {
    clearTimeout(this.handshakeTimer);
    this.backlog.length = 0;
    this.s.turns.leave(this);
    for (const st of this.streams.values()) this.s.fanout.remove(st);
    this.streams.clear();
    for (const run of this.runs.values()) run.stop();
    this.runs.clear();
    this.s.closed(this);
  }
}
