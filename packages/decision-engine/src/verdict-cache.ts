// Decisions memoized per request shape. The key starts with the rule-set generation, so a
// change to the rules makes every older entry unreachable at once; an entry also carries
// the expiry of the rule that decided it and is not served past it.

import { LRUCache } from "lru-cache";
import type { Request } from "@sockgate/protocol";
import type { CompiledRules } from "./compile.js";
import type { Decision } from "./decide.js";
import { decide } from "./decide.js";

/** Every request field a rule can match on, and nothing else (pid is not one). */
export function requestCacheKey(r: Request, generation: number): string {
  const a = r.app;
  return [
    generation,
    a.uid,
    a.userName ?? "",
    a.exePath,
    a.sha256 ?? "",
    a.appId === undefined ? "" : `${a.appId.kind}:${a.appId.id}`,
    a.parentExe ?? "",
    a.cmdline?.join("\u0001") ?? "",
    r.operation,
    r.protocol,
    r.family,
    r.remote?.address ?? "",
    r.remote?.port ?? "",
    r.local?.port ?? "",
    (r.remoteHostNames ?? []).join(","),
  ].join("\u0000");
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
    const key = requestCacheKey(request, compiled.generation);
    const hit = this.lru.get(key);
    if (hit !== undefined && now < hit.validUntil) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const d = decide(request, compiled, now);
    this.lru.set(key, d);
    return d;
  }
}
