// Memory the daemon frees goes back to the system every few seconds. glibc returns a free
// chunk in the middle of an arena only through malloc_trim, so what V8's compiler zones,
// SQLite and libbpf's load freed stayed resident: on a daemon under bench:daemon one call
// took RSS from 117.5 to 108.6 MB. A call takes about 0.7 ms: a held flow that arrives
// during one waits that long, once in 5 s.

import { loadNativeAddon } from "./native-addon.js";

export interface TrimAddon {
  /** malloc_trim(0): true when memory was given back. */
  mallocTrim(): boolean;
}

export interface MemoryTrim {
  stats(): { trims: number; released: number };
  stop(): void;
}

// From src/ (tests) and from dist/ (the bundle): both lead to the package's build/.
const CANDIDATES = ["../build/Release/sockgate_memory.node"];

export function loadTrimAddon(): TrimAddon {
  return loadNativeAddon<TrimAddon>(import.meta.url, CANDIDATES, "memory");
}

export const TRIM_EVERY_MS = 5000;

export function startMemoryTrim(o: { intervalMs?: number; addon?: TrimAddon; onProblem?: (message: string) => void } = {}): MemoryTrim {
  let addon = o.addon;
  if (addon === undefined) {
    try {
      addon = loadTrimAddon();
    } catch (err) {
      o.onProblem?.(`${(err as Error).message}: memory the daemon frees stays resident`);
    }
  }
  let trims = 0;
  let released = 0;
  const timer =
    addon === undefined
      ? undefined
      : setInterval(() => {
          trims++;
          if (addon.mallocTrim()) released++;
        }, o.intervalMs ?? TRIM_EVERY_MS);
  timer?.unref();
  return {
    stats: () => ({ trims, released }),
    stop: () => clearInterval(timer),
  };
}
