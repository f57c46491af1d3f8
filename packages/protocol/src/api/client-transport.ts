// One client connection: writes calls as lines, reads replies, and hands each reply to the
// call with its id. Replies are checked against the method's reply schema before anyone
// sees them. When the connection ends, every call still waiting fails with Disconnected.

import type { Socket } from "node:net";
import { ApiError } from "./errors.js";
import { LineReader, encodeLine } from "./framing.js";
import { STREAMING_METHODS, qualifiedName } from "./interface.js";
import type { MethodName } from "./interface.js";
import { CallError, checkParameters, decodeReply, errorFromReply, replyProblem } from "./messages.js";
import type { CallId } from "./types-common.js";

export interface CallHandler {
  /** A reply's parameters, checked; `last` is false while a streaming call continues. */
  reply(parameters: Record<string, unknown>, last: boolean): void;
  /** The call ended in an error (from the daemon, or the connection ended). */
  fail(err: ApiError): void;
}

export class ClientTransport {
  private nextId = 1;
  private readonly calls = new Map<CallId, { method: MethodName; handler: CallHandler }>();
  private readonly reader: LineReader;
  private ended: ApiError | undefined;
  /** Set after Hello: calls are named in this interface, and no message may be longer. */
  iface: string | undefined;
  maxMessageBytes = Number.MAX_SAFE_INTEGER;
  readonly closed: Promise<void>;

  constructor(
    private readonly socket: Socket,
    maxReplyBytes: number,
  ) {
    this.reader = new LineReader(maxReplyBytes);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    // A read or write error is followed by "close", which fails what is still waiting.
    socket.on("error", (err) => {
      this.ended ??= new ApiError("io.sockgate.Disconnected", `the connection to the daemon failed: ${err.message}`, {}, { cause: err });
    });
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.ended ??= new ApiError("io.sockgate.Disconnected", "the daemon closed the connection");
        for (const { handler } of this.calls.values()) handler.fail(this.ended);
        this.calls.clear();
        resolve();
      });
    });
  }

  /** Sends a call; checks its parameters first, so a bad call fails here with InvalidParameter and nothing is sent. */
  send(method: MethodName, parameters: Record<string, unknown>, handler: CallHandler, iface = this.iface): CallId {
    checkParameters(method, parameters);
    if (this.ended !== undefined) throw new ApiError(this.ended.code, this.ended.message);
    const id = this.nextId++;
    const line = encodeLine({ id, method: qualifiedName(method, iface), parameters, ...(STREAMING_METHODS.includes(method) ? { more: true } : {}) });
    if (Buffer.byteLength(line) - 1 > this.maxMessageBytes) {
      throw new ApiError("io.sockgate.MessageTooLarge", `${method}: the call is ${Buffer.byteLength(line) - 1} bytes; the daemon reads at most ${this.maxMessageBytes}`);
    }
    this.calls.set(id, { method, handler });
    this.socket.write(line);
    return id;
  }

  /** Stops delivering replies of `id` (after a cancel, or when the caller lost interest). */
  forget(id: CallId): void {
    this.calls.delete(id);
  }

  close(): void {
    this.socket.end();
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) {
      if ("tooLarge" in frame) {
        this.abort(new ApiError("io.sockgate.InvalidReply", `a reply from the daemon is longer than ${frame.bytes - 1} bytes, more than this client reads`));
        return;
      }
      try {
        this.dispatch(frame.line);
      } catch (err) {
        this.abort(err instanceof ApiError ? err : new ApiError("io.sockgate.InvalidReply", String(err)));
        return;
      }
    }
  }

  private dispatch(line: string): void {
    const reply = decodeReply(line);
    // A reply without a call (id null: the daemon could not read the message) is dropped: this client only sends checked calls.
    const call = reply.id === null ? undefined : this.calls.get(reply.id);
    if (call === undefined) return;
    if ("error" in reply) {
      this.calls.delete(reply.id!);
      call.handler.fail(errorFromReply(reply));
      return;
    }
    const problem = replyProblem(call.method, reply.parameters);
    if (problem !== undefined) throw new CallError(reply.id, "io.sockgate.InvalidReply", `${call.method}: the daemon's reply does not follow the schema: ${problem}`);
    const last = reply.continues !== true;
    if (last) this.calls.delete(reply.id!);
    call.handler.reply(reply.parameters, last);
  }

  // A daemon that breaks the protocol is not trusted with the rest of the connection.
  private abort(err: ApiError): void {
    this.ended = err;
    this.socket.destroy();
  }
}
