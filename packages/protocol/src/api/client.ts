// The typed client of io.sockgate.v1: connect() opens the socket and says Hello; then one
// promise per call, and an async iterator per subscription. Every failure is an ApiError
// with a stable name (code). No reconnecting: a UI watches `closed` and connects again.

import { connect as netConnect } from "node:net";
import type { Socket } from "node:net";
import { ClientTransport } from "./client-transport.js";
import { ApiError } from "./errors.js";
import { DEFAULT_SOCKET_PATH, SUPPORTED_INTERFACES } from "./interface.js";
import type { MethodName } from "./interface.js";
import { openStream } from "./client-supervise.js";
import type { Supervision } from "./client-supervise.js";
import { EventQueue } from "./subscription.js";
import type { Subscription } from "./subscription.js";
import type { HistoryEntry, HistoryQuery } from "./types-history.js";
import type { HelloReply, ParamsOf, ReplyOf, SubscribeTopic } from "./types-methods.js";
import type { Owner, OwnerSelector } from "./types-common.js";
import type { ApiPrompt, PromptAnswer, PromptOutcome } from "./types-prompts.js";
import type { ApiRule, ExportDocument, ImportResult, RuleEntry, RuleInput } from "./types-rules.js";
import type { RunCall, RunVerdict, SuperviseParameters, SupervisionEvent } from "./types-run.js";
import type { Status } from "./types-status.js";

export interface ConnectOptions {
  /** Default /run/sockgate/api.sock. */
  socketPath?: string;
  /** Told to the daemon in Hello (it may log it). */
  client?: { name: string; version?: string };
  /** Interfaces to offer, preferred first. Default: every one this package speaks. */
  versions?: string[];
  /** Longest reply line read; default 64 MiB. */
  maxReplyBytes?: number;
  /** Connecting and Hello together; default 5,000 ms. */
  timeoutMs?: number;
}

export interface SubscribeOptions {
  /** Queued events past which activity is dropped (and counted in a "lagged" event). Default 10,000. */
  maxBuffered?: number;
}

export interface ApiClient {
  /** What the daemon said to Hello: the interface, the server, who it takes the caller to be, its limits. */
  readonly hello: HelloReply;
  /** Resolves when the connection has ended, for whatever reason. */
  readonly closed: Promise<void>;
  call<M extends MethodName>(method: M, parameters: ParamsOf<M>): Promise<ReplyOf<M>>;
  status(): Promise<Status>;
  /** Starts at once; throws an ApiError at once when the call cannot be sent (bad topics, connection gone). */
  subscribe(topics: SubscribeTopic[], options?: SubscribeOptions): Subscription;
  listPrompts(): Promise<ApiPrompt[]>;
  previewAnswer(promptId: string, answer: PromptAnswer): Promise<ApiRule[]>;
  answerPrompt(promptId: string, answer: PromptAnswer): Promise<PromptOutcome>;
  listRules(owner?: OwnerSelector): Promise<RuleEntry[]>;
  getRule(id: string): Promise<RuleEntry>;
  addRule(rule: RuleInput, options?: { enabled?: boolean }): Promise<RuleEntry>;
  updateRule(rule: RuleInput & { id: string }): Promise<RuleEntry>;
  deleteRule(id: string): Promise<void>;
  enableRule(id: string): Promise<RuleEntry>;
  disableRule(id: string): Promise<RuleEntry>;
  exportRules(owner?: OwnerSelector): Promise<ExportDocument>;
  importRules(document: ParamsOf<"ImportRules">["document"], options?: { mode?: "merge" | "replace"; owner?: Owner }): Promise<ImportResult>;
  queryHistory(query?: HistoryQuery): Promise<HistoryEntry[]>;
  /** A `sockgate run` session for the caller's child `pid` (see types-run.ts); starts at once. */
  supervise(parameters: SuperviseParameters): Supervision;
  /** Decides one held call of a supervised process; may wait for the caller's prompt to be answered. */
  decideCall(call: RunCall): Promise<RunVerdict>;
  close(): void;
}

const CONNECT_FAILURES = new Set(["ENOENT", "ECONNREFUSED", "ENOTSOCK", "EACCES", "ENOTDIR"]);

function openSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ApiError("io.sockgate.DaemonUnavailable", `connecting to ${path}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = CONNECT_FAILURES.has(err.code ?? "") ? `${err.code}: is sockgated running?` : err.message;
      reject(new ApiError("io.sockgate.DaemonUnavailable", `connecting to ${path} failed (${why})`, { errno: err.code ?? null }, { cause: err }));
    });
  });
}

/** One call, its reply as a promise. */
function request<M extends MethodName>(transport: ClientTransport, method: M, parameters: ParamsOf<M>, iface?: string): Promise<ReplyOf<M>> {
  return new Promise((resolve, reject) => {
    transport.send(method, parameters as Record<string, unknown>, { reply: (p) => resolve(p as ReplyOf<M>), fail: reject }, iface);
  });
}

class Client implements ApiClient {
  readonly closed: Promise<void>;

  constructor(
    private readonly transport: ClientTransport,
    readonly hello: HelloReply,
  ) {
    this.closed = transport.closed;
  }

  call<M extends MethodName>(method: M, parameters: ParamsOf<M>): Promise<ReplyOf<M>> {
    // request() checks the parameters inside its promise: a bad call rejects, it does not throw.
    return request(this.transport, method, parameters);
  }

  status = (): Promise<Status> => this.call("Status", {});
  listPrompts = async (): Promise<ApiPrompt[]> => (await this.call("ListPrompts", {})).prompts;
  previewAnswer = async (promptId: string, answer: PromptAnswer): Promise<ApiRule[]> => (await this.call("PreviewAnswer", { promptId, answer })).rules;
  answerPrompt = async (promptId: string, answer: PromptAnswer): Promise<PromptOutcome> => (await this.call("AnswerPrompt", { promptId, answer })).outcome;
  listRules = async (owner?: OwnerSelector): Promise<RuleEntry[]> => (await this.call("ListRules", owner === undefined ? {} : { owner })).rules;
  getRule = async (id: string): Promise<RuleEntry> => (await this.call("GetRule", { id })).rule;
  addRule = async (rule: RuleInput, options: { enabled?: boolean } = {}): Promise<RuleEntry> => (await this.call("AddRule", { rule, ...options })).rule;
  updateRule = async (rule: RuleInput & { id: string }): Promise<RuleEntry> => (await this.call("UpdateRule", { rule })).rule;
  deleteRule = async (id: string): Promise<void> => void (await this.call("DeleteRule", { id }));
  enableRule = async (id: string): Promise<RuleEntry> => (await this.call("EnableRule", { id })).rule;
  disableRule = async (id: string): Promise<RuleEntry> => (await this.call("DisableRule", { id })).rule;
  exportRules = async (owner?: OwnerSelector): Promise<ExportDocument> => (await this.call("ExportRules", owner === undefined ? {} : { owner })).document;
  importRules = (document: ParamsOf<"ImportRules">["document"], options: { mode?: "merge" | "replace"; owner?: Owner } = {}): Promise<ImportResult> =>
    this.call("ImportRules", { document, ...options });
  queryHistory = async (query: HistoryQuery = {}): Promise<HistoryEntry[]> => (await this.call("QueryHistory", query)).entries;

  subscribe(topics: SubscribeTopic[], options: SubscribeOptions = {}): Subscription {
    return openStream(this.transport, "Subscribe", { topics }, new EventQueue(options.maxBuffered ?? 10_000), (p) => (p as ReplyOf<"Subscribe">).event);
  }

  supervise(parameters: SuperviseParameters): Supervision {
    return openStream(this.transport, "Supervise", parameters, new EventQueue<SupervisionEvent>(Number.MAX_SAFE_INTEGER), (p) => (p as ReplyOf<"Supervise">).event);
  }

  decideCall = async (call: RunCall): Promise<RunVerdict> => (await this.call("DecideCall", { call })).verdict;

  close(): void {
    this.transport.close();
  }
}

/**
 * Connects to sockgated and negotiates the interface. Rejects with DaemonUnavailable when
 * nothing listens, VersionUnsupported when the daemon speaks none of `versions`.
 */
export async function connect(options: ConnectOptions = {}): Promise<ApiClient> {
  const path = options.socketPath ?? DEFAULT_SOCKET_PATH;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const socket = await openSocket(path, timeoutMs);
  const transport = new ClientTransport(socket, options.maxReplyBytes ?? 64 * 1024 * 1024);
  const versions = options.versions ?? [...SUPPORTED_INTERFACES];
  const timer = setTimeout(() => socket.destroy(new Error(`no reply to Hello within ${timeoutMs} ms`)), timeoutMs);
  try {
    const hello = await request(transport, "Hello", { versions, ...(options.client ? { client: options.client } : {}) }, versions[0]);
    if (!SUPPORTED_INTERFACES.includes(hello.interface)) {
      throw new ApiError("io.sockgate.InvalidReply", `the daemon chose interface ${hello.interface}, which this client does not speak`);
    }
    transport.iface = hello.interface;
    transport.maxMessageBytes = hello.limits.maxMessageBytes;
    return new Client(transport, hello);
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
