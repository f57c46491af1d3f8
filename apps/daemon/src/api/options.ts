// start()'s dependencies and settings, with their defaults in one place.

import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SOCKET_PATH } from "@sockgate/protocol/client";
import type { ApiBackend } from "./backend.js";
import type { RunBackend } from "./run-backend.js";

/** pino's call shape (fields first), so a pino logger or child can be passed as it is. */
export interface ApiLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ApiServerDeps {
  backend: ApiBackend;
  /** `sockgate run`'s sessions and calls (Supervise, DecideCall); without it they answer Unavailable. */
  run?: RunBackend;
  /** Default /run/sockgate/api.sock; its directory is created 0755 when missing; the socket is 0666. */
  socketPath?: string;
  /** Members (by SO_PEERGROUPS) manage system rules and see everything. Name or gid; default "sockgate". */
  adminGroup?: string | number;
  /** Longest message read; default 1 MiB. */
  maxMessageBytes?: number;
  /** When set, only processes running one of these executables may answer prompts (the installed TUI). */
  answerExecutables?: readonly string[];
  /** A connection that has not said Hello by then is closed; default 10,000 ms. */
  handshakeTimeoutMs?: number;
  /** Per user other than root; default 64. */
  maxConnectionsPerUid?: number;
  /** Calls a connection may have in progress at once; default 64. */
  maxCallsInFlight?: number;
  /** Replies left unread over all of one user's connections; past it, the connection that wrote last is closed. Default 64 MiB. */
  maxUnreadBytesPerUid?: number;
  /** The kernel's record of ancestry (checkAnswerer's descendsFrom): finds a prompt's
   *  asker among a would-be answerer's ancestors even after a parent exited. */
  descendsFrom?: (answererPid: number, askerPid: number, askerStartTicks: number) => boolean | undefined;
  /** Told to clients in Hello and Status. */
  serverVersion?: string;
  log?: ApiLog;
}

export type ResolvedOptions = Required<Omit<ApiServerDeps, "answerExecutables" | "run" | "descendsFrom">> & Pick<ApiServerDeps, "answerExecutables" | "run" | "descendsFrom">;

const silent: ApiLog = { info() {}, warn() {}, error() {} };

export function resolveOptions(deps: ApiServerDeps): ResolvedOptions {
  return {
    socketPath: DEFAULT_SOCKET_PATH,
    adminGroup: "sockgate",
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    handshakeTimeoutMs: 10_000,
    maxConnectionsPerUid: 64,
    maxCallsInFlight: 64,
    maxUnreadBytesPerUid: 64 * 1024 * 1024,
    serverVersion: "0.0.0",
    log: silent,
    ...Object.fromEntries(Object.entries(deps).filter(([, v]) => v !== undefined)),
    backend: deps.backend,
  } as ResolvedOptions;
}
