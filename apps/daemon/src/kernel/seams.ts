// Kernel pieces the shim gains over time, found by what the shim object offers, so the
// daemon uses each as soon as it is there and says in status which it has. Governed scope,
// the any-user layer and per-application counters are in the shim; DNS capture is still
// to come (kernel-shim issue: cgroup_skb/ingress copying DNS answers).

import type { Shim } from "@sockgate/kernel-shim";

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
  onDns?: (listener: (r: DnsRecord) => void) => () => void;
}

export interface KernelSeams {
  setScope: boolean;
  anyUser: boolean;
  appCounters: boolean;
  onDns: boolean;
}

export function seamsOf(shim: Shim): KernelSeams {
  const s = shim as Shim & ShimExtras;
  return { setScope: typeof s.setScope === "function", anyUser: typeof s.setScope === "function", appCounters: typeof s.appCounters === "function", onDns: typeof s.onDns === "function" };
}

export function onDnsOf(shim: Shim): ShimExtras["onDns"] {
  const s = shim as Shim & ShimExtras;
  return typeof s.onDns === "function" ? s.onDns.bind(shim) : undefined;
}
