// The seam between the API server and the daemon's side of `sockgate run`
// (src/run/daemon/run-service.ts): Supervise opens a session for the caller's child,
// DecideCall decides one held call of it. The server has checked the parameters against
// the schema; the run service checks who may ask about which process.

import type { RunCall, RunVerdict, SuperviseParameters, SupervisionEvent } from "@sockgate/protocol/client";
import type { Awaitable, Peer } from "./backend.js";

export interface RunSession {
  /** The first event: "started". */
  started: SupervisionEvent;
  /** The call ended (cancelled, the connection closed): forget the session. */
  stop(): void;
}

export interface RunBackend {
  /** `emit` sends later events ("rules-changed") on the call; throws an ApiError to refuse. */
  supervise(peer: Peer, parameters: SuperviseParameters, emit: (event: SupervisionEvent) => void): Awaitable<RunSession>;
  decideCall(peer: Peer, call: RunCall): Awaitable<RunVerdict>;
}
