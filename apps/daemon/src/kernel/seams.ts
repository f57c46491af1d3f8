// Kernel pieces the shim gains over time (governed scope, an "any user" key layer,
// per-application counters, DNS capture), found by what the shim object offers, so the
// daemon uses each as soon as it is there and says in status which it has.

import type { Shim } from "@sockgate/kernel-shim";

export interface ScopeSpec {
  uids: number[];
  cgroupIds: bigint[];
  exemptCgroupIds: bigint[];
}

export interface AppCounter {
  exeIno: bigint;
  exeDev: number;
  uid: number;
  op: string;
  proto: string;
  verdict: "allow" | "deny";
  count: bigint;
}

export interface DnsRecord {
  cookie: bigint;
  uid: number;
  exeIno: bigint;
  exeDev: number;
  tgid: number;
  proto: "udp" | "tcp";
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  payload: Buffer;
  tcpSeq?: number;
}

interface ShimExtras {
  setScope?: (scope: ScopeSpec) => void;
  appCounters?: () => AppCounter[];
  onDns?: (listener: (r: DnsRecord) => void) => () => void;
  /** Present when VerdictKey.uid may be "any". */
  anyUid?: boolean;
}

export interface KernelSeams {
  setScope: boolean;
  anyUser: boolean;
  appCounters: boolean;
  onDns: boolean;
}

export function seamsOf(shim: Shim): KernelSeams {
  const s = shim as Shim & ShimExtras;
  return { setScope: typeof s.setScope === "function", anyUser: s.anyUid === true, appCounters: typeof s.appCounters === "function", onDns: typeof s.onDns === "function" };
}

export function extras(shim: Shim): ShimExtras {
  return shim as Shim & ShimExtras;
}
