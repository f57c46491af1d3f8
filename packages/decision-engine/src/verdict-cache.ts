// Decisions memoized per request shape. The key starts with the rule-set generation, so a
// change to the rules makes every older entry unreachable at once; an entry also carries
// the expiry of the rule that decided it and is not served past it.

import { LRUCache } from "lru-cache";
import type { Request } from "@sockgate/protocol";
import type { CompiledRules } from "./compile.js";
import type { Decision } from "./decide.js";
import { decide } from "./decide.js";

/**
 * Every field of the requesting application a rule can match on, and nothing else: the
 * JSON text of an array, so it cannot collide (a missing cmdline, [] and [""] differ, and
 * no argument can fake a separator). Many flows share one application, so the cache keeps
 * this text once per application and keys its entries by a short number for it.
 */
export function appCacheKey(r: Request, compiled: Pick<CompiledRules, "generation">): string {
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
  ]);
}

/**
 * The rest of what a rule can match on: the process (only when the rule set holds
 * process-scoped rules, so processes of one program usually share entries), the
 * operation and the destination. JSON text too.
 */
export function flowCacheKey(r: Request, compiled: Pick<CompiledRules, "hasProcessRules">): string {
  return JSON.stringify([
    compiled.hasProcessRules ? [r.app.pid, r.app.startTime ?? null] : null,
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
  /** Application key → its number in this cache's keys; emptied with the cache. */
  private readonly apps = new Map<string, number>();
  private readonly maxApps: number;
  private current: CompiledRules | undefined;
  hits = 0;
  misses = 0;

  constructor(options: { max?: number } = {}) {
    const max = options.max ?? 10_000;
    this.lru = new LRUCache({ max });
    // as many as entries: each entry names one application, so the table never holds more
    // text than the entries would have, and never empties a cache that would hold them all
    this.maxApps = max;
  }

  get size(): number {
    return this.lru.size;
  }

  private clear(): void {
    this.lru.clear();
    this.apps.clear();
  }

  private keyOf(request: Request, compiled: CompiledRules): string {
    const app = appCacheKey(request, compiled);
    let id = this.apps.get(app);
    if (id === undefined) {
      // A number is only ever given to one application while entries keyed by it can
      // exist: when the table is full, both go.
      if (this.apps.size >= this.maxApps) this.clear();
      id = this.apps.size;
      this.apps.set(app, id);
    }
    return `${id} ${flowCacheKey(request, compiled)}`;
  }

  decide(request: Request, compiled: CompiledRules, now: number): Decision {
    if (compiled !== this.current) {
      // Another rule set (a new generation, or a set compiled elsewhere that may reuse a
      // generation number): nothing cached can be trusted or hit again.
      this.clear();
      this.current = compiled;
    }
    const key = this.keyOf(request, compiled);
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
