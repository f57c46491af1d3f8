// A `sockgate run` call -> the Request the engine decides. The daemon reads who asks from
// /proc (executable, identity, command line, cgroup: the same reads as for kernel events)
// and what the socket is from the socket itself (a copy by pidfd_getfd: family, type,
// cookie, local address). From the client it takes only the address the call names.

import { readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { identityOf } from "@sockgate/kernel-shim";
import { abi, requestFromEvent } from "@sockgate/protocol";
import type { ProtoName, Request, RequestEvent } from "@sockgate/protocol";
import type { RunCall } from "@sockgate/protocol/client";
import { procInfoOf } from "../../hold/request-of-flow.js";
import type { SocketFacts } from "../native.js";
import { protoOf } from "../socket-kind.js";

const AF_INET = 2;
const AF_INET6 = 10;
const AF_PACKET = 17;

export interface RunCallFacts {
  tgid: number;
  uid: number;
  /** What the daemon read of the call's socket (absent for socket()). */
  socket?: SocketFacts;
}

export class RunCallError extends Error {}

/** The executable as /proc names it, and the flags its path earns. */
function exeOf(tgid: number): { path: string; flags: number } {
  let path: string;
  try {
    path = readlinkSync(`/proc/${tgid}/exe`);
  } catch {
    throw new RunCallError(`process ${tgid} is gone`);
  }
  let flags = 0;
  if (path.endsWith(" (deleted)")) {
    path = path.slice(0, -" (deleted)".length);
    flags |= abi.EVENT_FLAG_DELETED;
  }
  if (path.startsWith("/memfd:")) flags |= abi.EVENT_FLAG_MEMFD;
  return { path, flags };
}

function cgroupIdOf(mount: string, cgroupPath: string | undefined): number {
  if (cgroupPath === undefined) return 0;
  try {
    return Number(statSync(join(mount, cgroupPath)).ino);
  } catch {
    return 0;
  }
}

/** Builds the request; throws RunCallError when the process or its socket is gone. */
export function requestOfRunCall(call: RunCall, facts: RunCallFacts, cgroupMount: string): Request {
  const { path, flags } = exeOf(facts.tgid);
  let identity: { exeDev: number; exeIno: bigint };
  try {
    // /proc/PID/exe is the file the process runs (prctl(PR_SET_MM), which could change it, is refused under sockgate run)
    identity = identityOf(`/proc/${facts.tgid}/exe`);
  } catch {
    throw new RunCallError(`the executable of process ${facts.tgid} cannot be read`);
  }
  const s = facts.socket;
  const domain = s?.domain ?? call.socket!.domain;
  const proto: ProtoName = s !== undefined ? protoOf(s.domain, s.type, s.protocol) : protoOf(call.socket!.domain, call.socket!.type, call.socket!.protocol);
  // accept() on a listener not decided yet asks the listener's question
  const op = call.operation === "accept" ? "listen" : call.operation;
  const local = op === "bind" ? call.local : s?.local;
  const v6 = domain === AF_INET6;
  const none = v6 ? "::" : "0.0.0.0";
  const ev: RequestEvent = {
    op,
    proto,
    // AF_PACKET has no family of its own in a request: it is asked as a raw socket
    family: domain === AF_PACKET ? AF_INET : domain === AF_INET6 ? AF_INET6 : AF_INET,
    tgid: facts.tgid,
    uid: facts.uid,
    flags,
    cgroupId: 0,
    exeIno: identity.exeIno,
    exeDev: identity.exeDev,
    cookie: s?.cookie ?? 0n,
    localAddr: local?.address ?? none,
    localPort: local?.port ?? 0,
    remoteAddr: call.remote?.address ?? none,
    remotePort: call.remote?.port ?? 0,
    exePath: path,
  };
  const info = procInfoOf(facts.tgid, path, facts.uid);
  const request = requestFromEvent({ ...ev, cgroupId: cgroupIdOf(cgroupMount, info.cgroupPath) }, info);
  // a peer of an IPv6 socket that is IPv4 (v4-mapped or an AF_INET sockaddr) reads as a dotted quad
  if (request.remote?.address?.startsWith("::ffff:") && request.remote.address.includes(".")) request.remote.address = request.remote.address.slice(7);
  return request;
}
