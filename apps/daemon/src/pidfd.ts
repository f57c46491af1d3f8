// The pidfd addon (native/pidfd.cc, built to build/Release/sockgate_pidfd.node): Node has no
// pidfd API. A pidfd names one process, not a pid number: while that process is alive (not
// yet reaped) its pid cannot belong to anyone else.

import { loadNativeAddon } from "./native-addon.js";

export interface PidfdAddon {
  /** The fd, or -errno. */
  pidfdOpen(pid: number): number;
  pidfdAlive(fd: number): boolean;
}

// From src/ (tests) and from dist/ (the bundle): both lead to the package's build/.
const CANDIDATES = ["../build/Release/sockgate_pidfd.node"];

/** The addon, or undefined when it is not built (callers then read /proc instead). */
export function loadPidfd(): PidfdAddon | undefined {
  try {
    return loadNativeAddon<PidfdAddon>(import.meta.url, CANDIDATES, "pidfd");
  } catch {
    return undefined;
  }
}
