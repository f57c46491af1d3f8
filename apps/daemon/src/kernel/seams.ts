// Kernel pieces that came to the shim one by one (governed scope, the any-user layer,
// per-application counters, DNS capture), found by what the shim object offers, so status
// says which this shim has and the daemon uses each only where it exists.

import type { Shim } from "@sockgate/kernel-shim";


export interface KernelSeams {
  setScope: boolean;
  anyUser: boolean;
  appCounters: boolean;
  onDns: boolean;
}

export function seamsOf(shim: Shim): KernelSeams {
  const has = (m: string): boolean => typeof (shim as unknown as Record<string, unknown>)[m] === "function";
  return { setScope: has("setScope"), anyUser: has("setScope"), appCounters: has("appCounters"), onDns: has("onDns") };
}

export function onDnsOf(shim: Shim): Shim["onDns"] | undefined {
  return seamsOf(shim).onDns ? shim.onDns.bind(shim) : undefined;
}
