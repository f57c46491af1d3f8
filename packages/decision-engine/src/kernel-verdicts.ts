// Which kernel verdict-map entries express a rule set exactly, so the shim answers those
// calls without asking user space. "Exactly" means: for every call the shim would answer
// from an entry, decide() returns the same action. The key and lookup order are those of
// struct sg_verdict_key in packages/protocol/abi/sockgate-abi.h:
//   exact (op,proto,addr,port) > app+addr > app+port > app+op (op,proto) > whole app (any,any)
// See README.md "What compiles to kernel entries" for the rules that can.

import { abi, formatAddress } from "@sockgate/protocol";
import type { RequestOperation, RequestProtocol } from "@sockgate/protocol";
import { REQUEST_OPERATIONS, REQUEST_PROTOCOLS } from "@sockgate/protocol/request";
import type { CompiledRule, CompiledRules } from "./compile.js";
import type { KernelVerdict, KernelVerdictKey } from "./kernel-verdict-key.js";
import { fnv1a32, kernelVerdictKeyString } from "./kernel-verdict-key.js";
import { portMatches } from "./rule-matcher.js";
import type { AddressWords } from "./match-address.js";
import { addressKey, cidrContains } from "./match-address.js";
import { compileGlob, type GlobMatcher } from "./match-glob.js";
import type { PortSpec } from "./rule-types.js";

export interface ExecutableIdentity {
  dev: number;
  ino: number;
  /** The path after resolving symlinks. */
  realPath: string;
  /** Hard link count: a second name would let another path reach the same inode. */
  links: number;
  /** i_generation, where the filesystem has one (identityOf().exeGeneration). */
  generation?: number;
}

export interface KernelVerdictOptions {
  now: number;
  /** stat() for the daemon; undefined when the file does not exist. */
  resolveExe: (path: string) => ExecutableIdentity | undefined;
  /** Users a system rule is expanded to (the kernel key has no "any user"). */
  uids?: readonly number[];
  tagOf?: (ruleId: string) => number;
  /** A rule needing more entries than this is left to user space. Default 256. */
  maxEntriesPerRule?: number;
}

export interface KernelVerdictPlan {
  entries: KernelVerdict[];
  /** Rules (or parts of rules) user space keeps answering, and why. */
  notExpressed: { ruleId: string; why: string }[];
}

type Op = RequestOperation | "any";
type Proto = RequestProtocol | "any";

interface Region {
  exePath: string;
  dev: number;
  ino: number;
  gen: number;
  uid: number;
  op: Op;
  proto: Proto;
  addr?: AddressWords;
  port?: number;
}

interface Planned {
  c: CompiledRule;
  /** True when the entries below answer every call of this rule's app and users that it matches. */
  complete: boolean;
  uids: ReadonlySet<number>;
  keys: Region[];
}

const NO_REMOTE = new Set<Op>(["socket", "bind", "listen"]);
const MAX_RANGE = 16;

function layerOf(k: Region): number {
  return (k.addr !== undefined ? abi.LAYER_ADDR : 0) | (k.port !== undefined ? abi.LAYER_PORT : 0);
}

/** Position in the shim's lookup order; a lower number is looked up first. */
function lookupOrder(k: Region): number {
  if (k.op === "any") return 5;
  const l = layerOf(k);
  return l === (abi.LAYER_ADDR | abi.LAYER_PORT) ? 1 : l === abi.LAYER_ADDR ? 2 : l === abi.LAYER_PORT ? 3 : 4;
}

const globCache = new Map<string, GlobMatcher>();
function exeGlob(pattern: string): GlobMatcher {
  let re = globCache.get(pattern);
  if (re === undefined) globCache.set(pattern, (re = compileGlob(pattern, "path")));
  return re;
}

/** Could rule q match some call in `region`? Errs towards yes. */
function mayOverlap(q: CompiledRule, region: Region): boolean {
  const r = q.rule;
  const m = r.match;
  if (r.owner.kind === "user" && r.owner.uid !== region.uid) return false;
  if (typeof m.user === "number" && m.user !== region.uid) return false;
  if (m.exe !== undefined && m.exe !== region.exePath) return false;
  if (m.exeGlob !== undefined && !exeGlob(m.exeGlob).test(region.exePath)) return false;
  if (m.exeId !== undefined && (m.exeId.dev !== region.dev || m.exeId.ino !== region.ino)) return false;
  if (m.noExe === true) return false; // a region is an executable file
  if (region.op !== "any" && m.operation !== undefined && !m.operation.includes(region.op)) return false;
  if (region.proto !== "any" && m.protocol !== undefined && !m.protocol.includes(region.proto)) return false;
  const hasDest = q.cidrs.length + q.hosts.length + q.lists.length > 0;
  if ((hasDest || m.remotePort !== undefined) && NO_REMOTE.has(region.op)) return false;
  if (m.localPort !== undefined && region.op === "socket") return false;
  if (hasDest && region.addr !== undefined) {
    const a = region.addr;
    const hit = q.cidrs.some((c) => cidrContains(c, a)) || q.hosts.length > 0 || q.lists.some((l) => l.hasNames || l.hasAddress(a));
    if (!hit) return false;
  }
  if (region.port !== undefined) {
    const portIsLocal = region.op === "accept" || region.op === "bind" || region.op === "listen";
    const specs = portIsLocal ? m.localPort : m.remotePort;
    if (specs !== undefined && !portMatches(specs, region.port)) return false;
  }
  return true;
}

function intersects(a: Region, b: Region): boolean {
  if (a.dev !== b.dev || a.ino !== b.ino || a.uid !== b.uid) return false;
  if (a.op !== "any" && b.op !== "any" && a.op !== b.op) return false;
  if (a.proto !== "any" && b.proto !== "any" && a.proto !== b.proto) return false;
  if (a.addr !== undefined && b.addr !== undefined && addressKey(a.addr) !== addressKey(b.addr)) return false;
  if (a.port !== undefined && b.port !== undefined && a.port !== b.port) return false;
  return true;
}

function expandPorts(specs: readonly PortSpec[] | undefined): number[] | undefined | "too wide" {
  if (specs === undefined) return undefined;
  const out: number[] = [];
  for (const s of specs) {
    if (typeof s === "number") out.push(s);
    else if (s.to - s.from + 1 > MAX_RANGE) return "too wide";
    else for (let p = s.from; p <= s.to; p++) out.push(p);
  }
  return [...new Set(out)];
}

/** Candidate keys of one rule, or why it cannot have any. */
function expand(c: CompiledRule, o: KernelVerdictOptions): { keys: Region[]; complete: boolean; uids: number[]; why?: string } {
  const r = c.rule;
  const m = r.match;
  const none = (why: string) => ({ keys: [], complete: false, uids: [], why });
  if (r.action === "ask") return none("an ask rule is answered in user space");
  // The kernel key has no process in it: an entry would outlive the process.
  if (r.duration.kind === "process") return none("a rule for one process: the kernel key has no process");
  for (const f of ["sha256", "appId", "parentExe", "argv", "cmdline", "family", "exeGlob", "noExe"] as const) {
    if (m[f] !== undefined) return none(`the kernel key has no ${f}`);
  }
  if (m.exeId !== undefined) return none("the kernel key has no inode generation, so an entry could match a later file reusing the inode");
  if (c.hosts.length > 0) return none("host names are known only to user space");
  if (c.lists.length > 0) return none("lists are searched in user space");
  if (typeof m.user === "string") return none("user named, not numbered");
  if (m.exe === undefined) return none("no exact executable path");
  const id = o.resolveExe(m.exe);
  if (id === undefined) return none(`executable ${m.exe} not found`);
  if (id.realPath !== m.exe) return none(`${m.exe} resolves to ${id.realPath}; the rule matches the path the kernel reports`);
  if (id.links !== 1) return none(`${m.exe} has ${id.links} hard links; the inode would cover the other names too`);
  let uids: number[];
  if (r.owner.kind === "user") uids = [r.owner.uid];
  else if (typeof m.user === "number") uids = [m.user];
  else uids = [...(o.uids ?? [])];
  if (uids.length === 0) return none("system rule for every user and no uids given to expand it to");
  if (c.cidrs.some((x) => x.prefix !== 128)) return none("a CIDR wider than one address");
  const rports = expandPorts(m.remotePort);
  const lports = expandPorts(m.localPort);
  if (rports === "too wide" || lports === "too wide") return none(`a port range wider than ${MAX_RANGE} ports`);
  const addrs = c.cidrs.map((x) => x.words);
  const base = { exePath: m.exe, dev: id.dev, ino: id.ino, gen: id.generation ?? 0 };
  const keys: Region[] = [];
  let complete = true;
  const unrestricted = m.operation === undefined && m.protocol === undefined && addrs.length === 0 && rports === undefined && lports === undefined;
  for (const uid of uids) {
    if (unrestricted) {
      keys.push({ ...base, uid, op: "any", proto: "any" });
      continue;
    }
    for (const op of m.operation ?? REQUEST_OPERATIONS) {
      for (const proto of m.protocol ?? REQUEST_PROTOCOLS) {
        const k = { ...base, uid, op, proto };
        let addrList: Array<AddressWords | undefined> = [undefined];
        let portList: Array<number | undefined> = [undefined];
        if (op === "socket") {
          if (addrs.length > 0 || rports !== undefined || lports !== undefined) continue; // never matches
        } else if (op === "bind" || op === "listen") {
          if (addrs.length > 0 || rports !== undefined) continue; // never matches: no peer
          if (lports !== undefined) portList = lports;
        } else if (op === "connect" || op === "send") {
          if (lports !== undefined) {
            complete = false; // the key's port is the peer's
            continue;
          }
          if (addrs.length > 0) addrList = addrs;
          if (rports !== undefined) portList = rports;
        } else {
          if (rports !== undefined) {
            complete = false; // accept keys carry the local port, not the peer's
            continue;
          }
          if (addrs.length > 0) addrList = addrs;
          if (lports !== undefined) portList = lports;
        }
        for (const addr of addrList) {
          for (const port of portList) {
            keys.push({ ...k, ...(addr === undefined ? {} : { addr }), ...(port === undefined ? {} : { port }) });
          }
        }
      }
    }
  }
  const max = o.maxEntriesPerRule ?? 256;
  if (keys.length > max) return none(`needs ${keys.length} entries, more than ${max}`);
  return complete ? { keys, complete, uids } : { keys, complete, uids, why: "part of the rule (a port on the other side of the call) has no kernel key" };
}

function toKey(k: Region): KernelVerdictKey {
  let addr: string | null = null;
  if (k.addr !== undefined) {
    const b = new Uint8Array(16);
    k.addr.forEach((w, i) => {
      b[4 * i] = w >>> 24;
      b[4 * i + 1] = (w >>> 16) & 0xff;
      b[4 * i + 2] = (w >>> 8) & 0xff;
      b[4 * i + 3] = w & 0xff;
    });
    addr = formatAddress(b);
  }
  return { exeDev: k.dev, exeIno: k.ino, uid: k.uid, op: k.op, proto: k.proto, layer: layerOf(k), port: k.port ?? 0, addr };
}

/**
 * Plan the kernel entries for `compiled` at `now`. Rules are visited from the highest rank
 * down; a candidate entry is kept only if every higher-ranked rule that could match a call
 * in its region is fully in the kernel under keys the shim looks up first.
 */
export function kernelVerdicts(compiled: CompiledRules, options: KernelVerdictOptions): KernelVerdictPlan {
  const tagOf = options.tagOf ?? fnv1a32;
  const entries: KernelVerdict[] = [];
  const notExpressed: { ruleId: string; why: string }[] = [];
  const byExe = new Map<string, Planned[]>();
  const generic: Planned[] = [];
  const seen = new Set<string>();
  globCache.clear();
  for (const c of compiled.rules) {
    if (c.expiresAt <= options.now) continue;
    const exp = expand(c, options);
    const exe = c.rule.match.exe;
    const higher = [...(exe !== undefined ? (byExe.get(exe) ?? []) : []), ...generic];
    const planned: Planned = { c, complete: exp.complete, uids: new Set(exp.uids), keys: [] };
    let blocked = 0;
    for (const k of exp.keys) {
      const order = lookupOrder(k);
      const exact = higher.every(
        (q) =>
          !mayOverlap(q.c, k) ||
          (q.complete && q.uids.has(k.uid) && q.keys.every((qk) => !intersects(qk, k) || lookupOrder(qk) < order)),
      );
      const key = toKey(k);
      const ks = kernelVerdictKeyString(key);
      if (!exact || seen.has(ks)) {
        blocked++;
        continue;
      }
      seen.add(ks);
      planned.keys.push(k);
      entries.push({
        key,
        verdict: c.rule.action as "allow" | "deny",
        tag: tagOf(c.rule.id),
        ruleId: c.rule.id,
        expiresAt: Number.isFinite(c.expiresAt) ? c.expiresAt : null,
        exeGeneration: k.gen,
      });
    }
    if (blocked > 0) planned.complete = false;
    if (exp.why !== undefined) notExpressed.push({ ruleId: c.rule.id, why: exp.why });
    else if (blocked > 0) {
      notExpressed.push({
        ruleId: c.rule.id,
        why: `${blocked} of ${exp.keys.length} entries withheld: a higher-ranked rule could match the same calls and is not in the kernel ahead of them`,
      });
    }
    if (exe !== undefined) {
      let list = byExe.get(exe);
      if (list === undefined) byExe.set(exe, (list = []));
      list.push(planned);
    } else {
      generic.push(planned);
    }
  }
  return { entries, notExpressed };
}
