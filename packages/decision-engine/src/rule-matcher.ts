// One rule -> one predicate over a Request. Each present match field adds a test; the
// destination fields (addresses, host names, lists) form a single any-of test.

import { SockgateError } from "@sockgate/protocol";
import type { AppIdentity, Request } from "@sockgate/protocol";
import { UNTRUSTED_PATH_FLAGS } from "@sockgate/protocol/request";
import type { AddressWords, Cidr } from "./match-address.js";
import { addressWords, cidrContains, parseCidr } from "./match-address.js";
import type { HostPattern } from "./match-domain.js";
import { inDomain, normalizeHostName, parseHostPattern } from "./match-domain.js";
import { compileGlob } from "./match-glob.js";
import type { ListRegistry, NamedList } from "./lists.js";
import type { PortSpec, Rule } from "./rule-types.js";

/** What decide() knows about a request beyond the Request itself, computed once. */
export interface RequestFacts {
  /** The peer, for calls that have one (never for socket, bind, listen). */
  remote?: AddressWords;
  /** The peer's port, for calls that have a peer. */
  remotePort?: number;
  /** Normalized host names. */
  names: string[];
  /** exePath names the executable: verified on the host and not flagged as untrustworthy. */
  pathTrusted: boolean;
}

/** A path the daemon verified on the host, of a process not flagged truncated, deleted, foreign, memfd or exe-less. */
export function isPathTrusted(app: AppIdentity): boolean {
  return app.exePathVerified === true && !(app.flags ?? []).some((f) => UNTRUSTED_PATH_FLAGS.includes(f));
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface RuleMatcher {
  readonly matches: (request: Request, facts: RequestFacts) => boolean;
  /** Parsed destination, for bucketing and kernel-verdicts.ts. */
  readonly cidrs: readonly Cidr[];
  readonly hosts: readonly HostPattern[];
  readonly lists: readonly NamedList[];
}

export function portMatches(specs: readonly PortSpec[], port: number | undefined): boolean {
  if (port === undefined) return false;
  for (const s of specs) {
    if (typeof s === "number" ? s === port : s.from <= port && port <= s.to) return true;
  }
  return false;
}

function hostMatches(patterns: readonly HostPattern[], names: readonly string[]): boolean {
  for (const n of names) {
    for (const p of patterns) if (p.kind === "exact" ? p.name === n : inDomain(n, p.domain)) return true;
  }
  return false;
}

export function ruleMatcher(rule: Rule, lists: ListRegistry): RuleMatcher {
  const m = rule.match;
  const tests: Array<(r: Request, f: RequestFacts) => boolean> = [];
  if (rule.owner.kind === "user") {
    const uid = rule.owner.uid;
    tests.push((r) => r.app.uid === uid);
  }
  if (rule.duration.kind === "process") {
    // The boot id is checked at compile time (compile.ts); pid + start time name the process.
    const { pid, startTime } = rule.duration;
    tests.push((r) => r.app.pid === pid && r.app.startTime === startTime);
  }
  if (m.exe !== undefined) {
    const exe = m.exe;
    tests.push((r, f) => f.pathTrusted && r.app.exePath === exe);
  }
  if (m.exeGlob !== undefined) {
    const re = compileGlob(m.exeGlob, "path");
    tests.push((r, f) => f.pathTrusted && re.test(r.app.exePath));
  }
  if (m.exeId !== undefined) {
    const { dev, ino, generation } = m.exeId;
    tests.push((r) => r.app.exeDev === dev && r.app.exeIno === ino && (generation === undefined || r.app.exeGeneration === generation) && !(r.app.flags ?? []).includes("no_exe"));
  }
  if (m.noExe === true) tests.push((r) => (r.app.flags ?? []).includes("no_exe"));
  if (m.sha256 !== undefined) {
    const h = m.sha256;
    tests.push((r) => r.app.sha256 === h);
  }
  if (typeof m.user === "number") {
    const uid = m.user;
    tests.push((r) => r.app.uid === uid);
  } else if (typeof m.user === "string") {
    const name = m.user;
    tests.push((r) => r.app.userName === name);
  }
  if (m.appId !== undefined) {
    const want = m.appId;
    tests.push((r) => {
      const got = r.app.appId;
      if (got === undefined || got.kind !== want.kind || got.id !== want.id) return false;
      if (got.kind === "user-unit") return want.kind === "user-unit" && got.uid === want.uid;
      // A Flatpak or Snap id is a claim until the daemon has checked the executable.
      return got.kind === "systemd" || got.verified === true;
    });
  }
  if (m.parentExe !== undefined) {
    const re = compileGlob(m.parentExe, "path");
    tests.push((r) => r.app.parentExe !== undefined && re.test(r.app.parentExe));
  }
  // Command lines match only the argv recorded at exec: /proc/PID/cmdline is the process's to rewrite.
  if (m.argv !== undefined) {
    const argv = m.argv;
    tests.push((r) => r.app.cmdlineSource === "exec" && r.app.cmdline !== undefined && sameArgv(r.app.cmdline, argv));
  }
  if (m.cmdline !== undefined) {
    const re = compileGlob(m.cmdline, "text");
    tests.push((r) => r.app.cmdlineSource === "exec" && r.app.cmdline !== undefined && re.test(r.app.cmdline.join(" ")));
  }
  if (m.operation !== undefined) {
    const ops = new Set<string>(m.operation);
    tests.push((r) => ops.has(r.operation));
  }
  if (m.protocol !== undefined) {
    const protos = new Set<string>(m.protocol);
    tests.push((r) => protos.has(r.protocol));
  }
  if (m.family !== undefined) {
    const fam = m.family;
    tests.push((r) => r.family === fam);
  }
  const cidrs = (m.remoteAddress ?? []).map(parseCidr);
  const hosts = (m.remoteHost ?? []).map((h) => parseHostPattern(h)!);
  const ruleLists = (m.list ?? []).map((name) => {
    const l = lists.get(name);
    // A rule whose list is missing must not silently match nothing: a deny would fail open.
    if (l === undefined) {
      throw new SockgateError(
        "SG_ERR_LIST_UNKNOWN",
        `rule ${JSON.stringify(rule.id)} names list ${JSON.stringify(name)}, which is not loaded; loaded lists: ${[...lists.keys()].join(", ") || "(none)"}`,
      );
    }
    return l;
  });
  if (cidrs.length + hosts.length + ruleLists.length > 0) {
    tests.push((_r, f) => {
      if (f.remote === undefined) return false;
      for (const c of cidrs) if (cidrContains(c, f.remote)) return true;
      if (hosts.length > 0 && hostMatches(hosts, f.names)) return true;
      for (const l of ruleLists) {
        if (l.hasAddress(f.remote)) return true;
        for (const n of f.names) if (l.hasName(n)) return true;
      }
      return false;
    });
  }
  if (m.remotePort !== undefined) {
    const specs = m.remotePort;
    tests.push((_r, f) => portMatches(specs, f.remotePort));
  }
  if (m.localPort !== undefined) {
    const specs = m.localPort;
    tests.push((r) => portMatches(specs, r.local?.port));
  }
  const matches = (r: Request, f: RequestFacts): boolean => {
    for (const t of tests) if (!t(r, f)) return false;
    return true;
  };
  return { matches, cidrs, hosts, lists: ruleLists };
}

const NO_PEER = new Set(["socket", "bind", "listen"]);

/** Parse what decide() needs from a request once. */
export function requestFacts(request: Request): RequestFacts {
  let remote: AddressWords | undefined;
  // socket, bind and listen have no peer: whatever a caller put in `remote` is ignored, as
  // the kernel's verdict key for them has no peer either.
  const peer = NO_PEER.has(request.operation) ? undefined : request.remote;
  const text = peer?.address;
  if (text !== undefined) remote = addressWords(text);
  const names: string[] = [];
  if (remote !== undefined) {
    for (const n of request.remoteHostNames ?? []) {
      const h = normalizeHostName(n);
      if (h !== undefined) names.push(h);
    }
  }
  const pathTrusted = isPathTrusted(request.app);
  const facts: RequestFacts = { names, pathTrusted };
  if (remote !== undefined) facts.remote = remote;
  if (peer?.port !== undefined) facts.remotePort = peer.port;
  return facts;
}
