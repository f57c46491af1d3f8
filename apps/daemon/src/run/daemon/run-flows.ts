// Calls `sockgate run` allowed, remembered for the kernel's own look at them. After the
// supervisor lets a call continue, the kernel's hooks see it again: a connect or send with
// no kernel entry is held and asked, socket, bind and listen are reported and asked
// afterwards. Those questions are the one just answered (a "once" answer made no rule), so
// they get the same answer, never a second prompt. Each entry is exact, and used once or
// for a short while: a call the program changed after the check (a swapped sockaddr)
// matches nothing here, and the kernel's question about it goes to the rules and the
// person as any other.

import type { Request } from "@sockgate/protocol";
import type { Verdict } from "../../hold/verdict.js";

/** How long an allowed call waits for the kernel's question about it. */
const TTL_MS = 30_000;
const MAX = 16_384;

export interface AllowedCall {
  op: Request["operation"];
  pid: number;
  protocol: Request["protocol"];
  /** The socket's cookie (absent for socket(), which has no socket yet). */
  cookie?: bigint;
  /** connect/send: the peer; bind: the local address. */
  address?: string;
  port?: number;
  reason: string;
}

function plain(address: string | undefined): string {
  if (address === undefined) return "";
  const a = address.toLowerCase();
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

function keyOf(c: Pick<AllowedCall, "op" | "pid" | "protocol" | "cookie" | "address" | "port">): string {
  switch (c.op) {
    case "socket":
      return `socket/${c.pid}/${c.protocol}`;
    case "listen":
      return `listen/${c.cookie}`;
    case "bind":
      return `bind/${c.cookie}/${c.port ?? 0}`;
    default:
      return `${c.op}/${c.cookie}/${plain(c.address)}/${c.port ?? 0}/${c.protocol}`;
  }
}

function keyOfRequest(r: Request): string {
  const op = r.operation;
  const address = op === "bind" || op === "listen" ? r.local?.address : r.remote?.address;
  const port = op === "bind" || op === "listen" ? r.local?.port : r.remote?.port;
  return keyOf({ op, pid: r.app.pid, protocol: r.protocol, cookie: r.cookie === undefined ? undefined : BigInt(r.cookie), address, port });
}

export class RunFlows {
  // key -> how many kernel questions it may still answer, and until when
  private readonly allowed = new Map<string, { left: number; until: number; reason: string }>();

  remember(c: AllowedCall, now = Date.now()): void {
    if (this.allowed.size >= MAX) this.prune(now);
    const key = keyOf(c);
    const seen = this.allowed.get(key);
    // socket(): one credit per call (the kernel reports each socket once); the rest: one flow
    this.allowed.set(key, { left: c.op === "socket" ? (seen?.left ?? 0) + 1 : 1, until: now + TTL_MS, reason: c.reason });
  }

  /** The answer for the kernel's question about a call sockgate run allowed, or undefined. */
  match(r: Request, now = Date.now()): Verdict | undefined {
    const key = keyOfRequest(r);
    const e = this.allowed.get(key);
    if (e === undefined) return undefined;
    if (e.until <= now) {
      this.allowed.delete(key);
      return undefined;
    }
    if (--e.left <= 0) this.allowed.delete(key);
    return { action: "allow", reason: `allowed by sockgate run at the system call: ${e.reason}`, cache: { scope: "flow" } };
  }

  size(): number {
    return this.allowed.size;
  }

  private prune(now: number): void {
    for (const [k, e] of this.allowed) if (e.until <= now) this.allowed.delete(k);
    if (this.allowed.size >= MAX) this.allowed.clear();
  }
}
