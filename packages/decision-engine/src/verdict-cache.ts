// Decisions memoized per request shape. The key starts with the rule-set generation, so a
// change to the rules makes every older entry unreachable at once; an entry also carries
// the expiry of the rule that decided it and is not served past it.

import { LRUCache } from "lru-cache";
import type { Request } from "@sockgate/protocol";
import type { CompiledRules } from "./compile.js";
import type { Decision } from "./decide.js";
import { decide } from "./decide.js";

/**
 * Every request field a rule can match on, and nothing else. The key is the JSON text of
 * an array, so it cannot collide: a missing cmdline, [] and [""] differ, and no argument
 * or host name can fake a separator. pid and start time are in it only when the rule set
 * holds process-scoped rules, so processes of one program usually share entries.
 */
export function requestCacheKey(r: Request, compiled: Pick<CompiledRules, "generation" | "hasProcessRules">): string {
  const a = r.app;
  return JSON.stringify([
    compiled.generation,
    a.uid,
    a.userName ?? null,
    a.exePath,
    a.exeDev,
    a.exeIno,
    a.exeGeneration ?? null,
    a.exePathVerified === true,
    a.flags ?? null,
    a.sha256 ?? null,
    a.appId ?? null,
    a.parentExe ?? null,
    a.cmdline ?? null,
    a.cmdlineSource ?? null,
    compiled.hasProcessRules ? [a.pid, a.startTime ?? null] : null,
    r.operation,
    r.protocol,
    r.family,
    r.remote?.address ?? null,
    r.remote?.port ?? null,
    r.local?.port ?? null,
    r.remoteHostNames ?? null,
  ]);
}

export class VerdictCache {
  private readonly lru: LRUCache<string, Decision>;
  private current: CompiledRules | undefined;
  hits = 0;
  misses = 0;

  constructor(options: { max?: number } = {}) {
    this.lru = new LRUCache({ max: options.max ?? 10_000 });
  }

  get size(): number {
    return this.lru.size;
  }

  decide(request: Request, compiled: CompiledRules, now: number): Decision {
    if (compiled !== this.current) {
      // Another rule set (a new generation, or a set compiled elsewhere that may reuse a
      // generation number): nothing cached can be trusted or hit again.
      this.lru.clear();
      this.current = compiled;
    }
    const key = requestCacheKey(request, compiled);
    const hit = this.lru.get(key);
    if (hit !== undefined && (hit.validUntil === null || now < hit.validUntil)) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const d = decide(request, compiled, now);
    this.lru.set(key, d);
    return d;
  }
}
