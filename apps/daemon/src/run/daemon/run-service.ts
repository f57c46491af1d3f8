// start(deps) -> RunService: the daemon's side of `sockgate run`. A session (Supervise) is
// opened by a client for its own child; each held call (DecideCall) is decided as the
// caller's uid, for a process of the caller's session only. Allowed calls are remembered
// for the kernel's second look (run-flows.ts) and, for connect and send, written as a
// flow verdict for exactly that socket and peer. An allowed bind or listen is named on the
// checked socket for the kernel, so the supervisor can make that socket bind or listen
// itself and the call is still the caller's.

import { randomUUID } from "node:crypto";
import { closeSync, readFileSync } from "node:fs";
import type { Engine } from "@sockgate/decision-engine";
import type { Shim } from "@sockgate/kernel-shim";
import type { Request } from "@sockgate/protocol";
import { ApiError } from "@sockgate/protocol/client";
import type { RunCall, RunVerdict, SuperviseParameters, SupervisionEvent } from "@sockgate/protocol/client";
import type { Peer } from "../../api/backend.js";
import type { RunBackend } from "../../api/run-backend.js";
import type { Decide } from "../../hold/verdict.js";
import type { GovernedScope } from "../../scope/governed.js";
import { runAddon } from "../native.js";
import type { SocketFacts } from "../native.js";
import { descendsFrom, inInitialPidNamespace, pidNamespace, taskFacts } from "./proc-facts.js";
import type { RunCgroup } from "./run-cgroup.js";
import { runDecide } from "./run-decide.js";
import type { RunProfileRules } from "./run-decide.js";
import { RunFlows } from "./run-flows.js";
import { compileProfile } from "./run-profile.js";
import { RunCallError, requestOfRunCall } from "./run-request.js";

export interface RunServiceDeps {
  engine: Engine;
  shim: Pick<Shim, "setFlowVerdict" | "delegate" | "features">;
  scope: () => GovernedScope;
  cgroup: RunCgroup;
  cgroupMount: string;
  listening: (uid: number) => boolean;
  nobodyListening: () => "allow" | "deny";
  onAsked?: (request: Request, promptId: string, listened: boolean) => void;
  log: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
}

export interface RunService extends RunBackend {
  /** `decide` with the kernel's questions about calls sockgate run allowed answered first. */
  decideFirst(decide: Decide): Decide;
  status(): { sessions: number; remembered: number };
  stop(): void;
}

interface Session {
  id: string;
  uid: number;
  connectionId: number;
  /** The command's process and the supervisor: the calls asked about come from their trees. */
  roots: Set<number>;
  profile: RunProfileRules | undefined;
  emit: (e: SupervisionEvent) => void;
}

const notFound = (what: string): ApiError => new ApiError("io.sockgate.NotFound", what);
const denied = (what: string): ApiError => new ApiError("io.sockgate.PermissionDenied", what);

export function startRunService(d: RunServiceDeps): RunService {
  const sessions = new Map<string, Session>();
  const flows = new RunFlows();
  const decide = runDecide(d);
  const off = d.engine.on("rules", (change) => {
    for (const s of sessions.values()) s.emit({ type: "rules-changed", generation: change.generation });
  });
  const ownNamespace = pidNamespace("self");
  // the kernel takes the calling thread by its pid in the initial namespace
  const delegation = d.shim.features.delegation.active && inInitialPidNamespace();

  function supervise(peer: Peer, p: SuperviseParameters, emit: (e: SupervisionEvent) => void): { started: SupervisionEvent; stop(): void } {
    if (pidNamespace(peer.pid) !== ownNamespace) throw denied("sockgate run must run in the daemon's pid namespace: process ids in its calls would name other processes here");
    const child = taskFacts(p.pid);
    if (child === undefined) throw notFound(`process ${p.pid} is gone`);
    if (child.tgid !== p.pid || child.ppid !== peer.pid) throw denied(`process ${p.pid} is not a child of the calling process ${peer.pid}`);
    if (child.uid !== peer.uid) throw denied(`process ${p.pid} runs as uid ${child.uid}, not as the caller's uid ${peer.uid}`);
    const profile = p.profile === undefined ? undefined : compileProfile(p.profile, peer.uid, d.engine.bootId);
    const cgroupPath = readCgroup(p.pid);
    let governedBy: "uid" | "cgroup" = "uid";
    if (!d.scope().governs({ uid: peer.uid, cgroupPath })) {
      // The kernel would let this user's unknown calls through; in sockgate.run it decides them.
      d.cgroup.adopt(p.pid);
      governedBy = "cgroup";
    }
    const id = randomUUID();
    sessions.set(id, { id, uid: peer.uid, connectionId: peer.connectionId, roots: new Set([p.pid, peer.pid]), profile, emit });
    d.log.info({ session: id, uid: peer.uid, pid: p.pid, governedBy, profile: p.profile?.name }, "sockgate run: session started");
    return {
      started: { type: "started", session: id, governedBy, ...(governedBy === "cgroup" ? { cgroup: d.cgroup.path } : {}), ...(profile ? { profileRules: profile.compiled.rules.length } : {}) },
      stop: () => {
        if (sessions.delete(id)) d.log.info({ session: id, uid: peer.uid }, "sockgate run: session ended");
      },
    };
  }

  function socketOf(call: RunCall, keep: boolean): SocketFacts | undefined {
    if (call.operation === "socket") {
      if (call.socket === undefined) throw new ApiError("io.sockgate.InvalidParameter", "DecideCall: a socket() call needs call.socket (domain, type, protocol)", { field: "call.socket" });
      return undefined;
    }
    if (call.fd === undefined) throw new ApiError("io.sockgate.InvalidParameter", `DecideCall: a ${call.operation}() call needs call.fd`, { field: "call.fd" });
    if (keep && call.cookie === undefined) throw new ApiError("io.sockgate.InvalidParameter", `DecideCall: a ${call.operation}() call needs call.cookie (the socket the supervisor checked)`, { field: "call.cookie" });
    let s: SocketFacts;
    try {
      // The daemon's own copy of the socket: its cookie, family and type are facts, not claims.
      s = runAddon().inspectSocket(call.tid, call.fd, keep);
    } catch (err) {
      throw notFound(`the socket (fd ${call.fd} of thread ${call.tid}) cannot be read: ${(err as Error).message}`);
    }
    if (call.cookie !== undefined && s.cookie !== BigInt(call.cookie)) {
      if (s.copyFd !== undefined) closeSync(s.copyFd);
      throw notFound(`fd ${call.fd} of thread ${call.tid} is no longer the socket the supervisor checked (cookie ${call.cookie}, now ${s.cookie}): another thread replaced it`);
    }
    return s;
  }

  /** An allowed bind or listen: named on the socket for the kernel, or refused when it cannot be. */
  function delegate(call: RunCall, tgid: number, v: RunVerdict, s: SocketFacts | undefined): RunVerdict {
    const op = call.operation;
    if (v.action !== "allow" || s?.copyFd === undefined || (op !== "bind" && op !== "listen")) return v;
    try {
      d.shim.delegate(s.copyFd, op, call.tid, tgid);
      return { ...v, onCheckedSocket: true };
    } catch (err) {
      d.log.warn({ err: (err as Error).message, tid: call.tid, op }, "sockgate run: the call could not be named for the kernel; refused");
      return { action: "deny", reason: `the ${op} could not be made the caller's in the kernel (${(err as Error).message})`, cache: { scope: "call" } };
    }
  }

  function remember(request: Request, v: RunVerdict, s: SocketFacts | undefined): void {
    if (v.action !== "allow") return;
    const op = request.operation;
    const peer = op === "connect" || op === "send" ? request.remote : op === "bind" ? request.local : undefined;
    flows.remember({ op, pid: request.app.pid, protocol: request.protocol, cookie: s?.cookie, address: peer?.address, port: peer?.port, reason: v.reason });
    if ((op === "connect" || op === "send") && s !== undefined && peer?.address !== undefined) {
      try {
        // exactly this socket and this peer, nothing after the socket is gone
        d.shim.setFlowVerdict({ cookie: s.cookie, addr: peer.address, port: peer.port ?? 0, proto: request.protocol }, { verdict: "allow" });
      } catch (err) {
        d.log.warn({ err: (err as Error).message }, "sockgate run: the flow verdict could not be written (the kernel will ask about the call again)");
      }
    }
  }

  async function decideCall(peer: Peer, call: RunCall): Promise<RunVerdict> {
    const session = sessions.get(call.session);
    if (session === undefined || session.connectionId !== peer.connectionId) throw notFound(`no sockgate run session ${call.session} on this connection`);
    const task = taskFacts(call.tid);
    if (task === undefined) throw notFound(`thread ${call.tid} is gone`);
    if (task.uid !== session.uid) throw denied(`thread ${call.tid} runs as uid ${task.uid}, not as the session's uid ${session.uid}`);
    if (!descendsFrom(task.tgid, session.roots)) throw denied(`process ${task.tgid} is not in this sockgate run session's tree`);
    const socket = socketOf(call, delegation && (call.operation === "listen" || call.operation === "bind"));
    try {
      let request: Request;
      try {
        request = requestOfRunCall(call, { tgid: task.tgid, uid: task.uid, socket }, d.cgroupMount);
      } catch (err) {
        if (err instanceof RunCallError) throw notFound(err.message);
        throw err;
      }
      const verdict = delegate(call, task.tgid, await decide(request, session.profile), socket);
      // the session may have ended while a person was asked; the answer stands either way
      remember(request, verdict, socket);
      return verdict;
    } finally {
      if (socket?.copyFd !== undefined) closeSync(socket.copyFd);
    }
  }

  return {
    supervise,
    decideCall,
    decideFirst: (inner) => (request) => flows.match(request) ?? inner(request),
    status: () => ({ sessions: sessions.size, remembered: flows.size() }),
    stop() {
      off();
      for (const s of sessions.values()) s.emit({ type: "ended", reason: "shutdown" });
      sessions.clear();
      d.cgroup.close();
    },
  };
}

function readCgroup(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cgroup`, "utf8");
    return text.split("\n").find((l) => l.startsWith("0::"))?.slice(3);
  } catch {
    return undefined;
  }
}
