// Loading one of the package's native addons from wherever the caller's code runs: tests
// run src/, the bundle runs dist/, so the caller lists the relative paths that lead to
// build/Release from there. A failure names every path tried and how to build.

import { createRequire } from "node:module";

export function loadNativeAddon<T>(callerUrl: string, candidates: readonly string[], what: string): T {
  const require = createRequire(callerUrl);
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      return require(path) as T;
    } catch (err) {
      failures.push(`${path}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(`loading the ${what} addon failed: expected it built (run "pnpm --filter @sockgate/daemon build"); tried ${failures.join("; ")}`);
}
