// createEngine: the one object a firewall daemon talks to. It owns the rule set, the
// verdict cache, the per-application DNS names and the prompt queue, and keeps them
// consistent: an answer's rules join the rule set, a rule change empties the cache and
// settles the prompts it decides, timed rules leave at their expiry. Pure: time comes from
// the injected clock, nothing touches a disk or the kernel.

import type { Request } from "@sockgate/protocol";
import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";
import type { CompiledRules } from "./compile.js";
import type { Decision } from "./decide.js";
import type { DnsAnswer, DnsApp } from "./dns-names.js";
import { DnsNameMap, withHostNames } from "./dns-names.js";
import type { NamedList } from "./lists.js";
import type { PromptQueueOptions } from "./prompt-queue.js";
import { PromptQueue } from "./prompt-queue.js";
import type { Prompt, PromptAnswer, PromptOutcome } from "./prompt-types.js";
import type { ProcessRef } from "./rule-set.js";
import { RuleSet } from "./rule-set.js";
import type { Rule } from "./rule-types.js";
import { VerdictCache } from "./verdict-cache.js";

export interface EngineOptions {
  /** This boot's id (/proc/sys/kernel/random/boot_id): reboot- and process-rules of other boots never apply. */
  bootId: string;
  /** Default: the system clock. Tests pass a FakeClock. */
  clock?: Clock;
  /** Lists rules may name ("list": ["ads"]). */
  lists?: Iterable<NamedList>;
  /** Rules to start with (validated as by rules.replaceAll). */
  rules?: readonly unknown[];
  prompts?: Omit<PromptQueueOptions, "clock" | "bootId" | "onRaised" | "onSettled">;
  /** Verdict cache entries. Default 10,000. */
  cacheSize?: number;
  dns?: { maxApps?: number; maxAddressesPerApp?: number };
}

/** What changed in the rule set, and why; `generation` is the set's new generation. */
export interface RuleChange {
  cause: "upsert" | "remove" | "replace" | "answer" | "process-exit" | "expired";
  /** Rules added or replaced (deep-frozen). */
  upserted: Rule[];
  /** Rules removed (their owner says which store entry to delete). */
  removed: Rule[];
  generation: number;
}

export interface EngineRules {
  readonly generation: number;
  get(id: string): Rule | undefined;
  /** Every rule, deep-frozen. */
  list(): Rule[];
  /** Validates (SG_ERR_RULE_INVALID names the field); an id never changes owner. */
  upsert(rule: unknown): Rule;
  remove(id: string): boolean;
  /** All or nothing: valid rules, unique ids, no id moving to another owner. */
  replaceAll(rules: readonly unknown[]): Rule[];
}

export interface EnginePrompts {
  /** Ask the owner of `request`'s process; identical questions share one prompt. */
  raise(request: Request): { promptId: string; coalesced: boolean; outcome: Promise<PromptOutcome> };
  /** Settles the prompt; the answer's rules (other than once-rules) join the rule set. */
  answer(promptId: string, byUid: number, answer: PromptAnswer): PromptOutcome;
  /** The rules `answer` would make, so a UI can show them first (ids are placeholders). */
  preview(promptId: string, byUid: number, answer: PromptAnswer): Rule[];
  /** Prompts waiting for `uid`, oldest first. */
  pending(uid: number): Prompt[];
  on(type: "raised", listener: (prompt: Prompt) => void): () => void;
  on(type: "settled", listener: (prompt: Prompt, outcome: PromptOutcome) => void): () => void;
}

export interface Engine {
  readonly bootId: string;
  readonly rules: EngineRules;
  readonly prompts: EnginePrompts;
  /** The verdict for `request` now: cached, with host names from what its application resolved. */
  decide(request: Request): Decision;
  /** A DNS answer `app` received; its names label that application's connections until the TTL runs out. */
  observeDns(app: DnsApp, answer: DnsAnswer): boolean;
  /** A process exited: its "until the application exits" rules go. Returns their ids. */
  processExited(process: ProcessRef): string[];
  setList(list: NamedList): void;
  /** Removes rules whose time is up now (also done by a timer at nextExpiry). */
  removeExpired(): string[];
  /** When the next timed rule ends (ms since the epoch), or null. */
  nextExpiry(): number | null;
  /** The compiled rule set, for kernelVerdicts from "@sockgate/decision-engine/kernel". */
  compiled(): CompiledRules;
  on(type: "rules", listener: (change: RuleChange) => void): () => void;
  /** Settles every pending prompt with the default and stops the expiry timer. */
  close(): void;
}

type Listener = (...args: never[]) => void;

/** A tiny typed emitter (no node:events: the engine stays importable anywhere). */
class Listeners {
  private readonly byType = new Map<string, Set<Listener>>();

  on(type: string, fn: Listener): () => void {
    let set = this.byType.get(type);
    if (set === undefined) this.byType.set(type, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  emit(type: string, ...args: unknown[]): void {
    for (const fn of [...(this.byType.get(type) ?? [])]) (fn as (...a: unknown[]) => void)(...args);
  }
}

export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? systemClock;
  const bootId = options.bootId;
  const set = new RuleSet({ bootId });
  for (const l of options.lists ?? []) set.setList(l);
  if (options.rules !== undefined) set.replaceAll(options.rules);
  const cache = new VerdictCache({ max: options.cacheSize ?? 10_000 });
  const dns = new DnsNameMap(options.dns ?? {});
  const events = new Listeners();
  let expiryTimer: unknown;

  // Names come from what the request's own application resolved, unless the caller gave them.
  const withNames = (r: Request): Request => (r.remoteHostNames === undefined ? withHostNames(r, dns, clock.now()) : r);
  const decide = (r: Request): Decision => cache.decide(withNames(r), set.compiled(), clock.now());

  const queue = new PromptQueue({
    ...options.prompts,
    clock,
    bootId,
    onRaised: (p) => events.emit("raised", p),
    onSettled: (p, o) => events.emit("settled", p, o),
  });

  function armExpiry(): void {
    clock.clearTimer(expiryTimer);
    expiryTimer = undefined;
    const next = set.nextExpiry();
    if (next === null) return;
    expiryTimer = clock.setTimer(Math.max(0, next - clock.now()), () => {
      expiryTimer = undefined;
      removeExpired();
    });
  }

  function changed(cause: RuleChange["cause"], upserted: Rule[], removed: Rule[]): void {
    if (upserted.length === 0 && removed.length === 0) return;
    armExpiry();
    events.emit("rules", { cause, upserted, removed, generation: set.generation } satisfies RuleChange);
    if (upserted.length > 0) queue.resettle(decide);
  }

  /** Runs `fn` (which removes rules by id) and announces the rules it removed. */
  function removing(cause: RuleChange["cause"], fn: () => string[]): string[] {
    const before = new Map(set.rules().map((r) => [r.id, r]));
    const gone = fn();
    changed(cause, [], gone.map((id) => before.get(id)!));
    return gone;
  }

  function removeExpired(): string[] {
    return removing("expired", () => set.removeExpired(clock.now()));
  }

  const rules: EngineRules = {
    get generation() {
      return set.generation;
    },
    get: (id) => set.get(id),
    list: () => set.rules(),
    upsert(rule) {
      const r = set.upsert(rule);
      changed("upsert", [r], []);
      return r;
    },
    remove(id) {
      return removing("remove", () => (set.remove(id) ? [id] : [])).length > 0;
    },
    replaceAll(list) {
      const before = new Map(set.rules().map((r) => [r.id, r]));
      const parsed = set.replaceAll(list);
      for (const r of parsed) before.delete(r.id);
      changed("replace", parsed, [...before.values()]);
      return parsed;
    },
  };

  const prompts: EnginePrompts = {
    raise: (request) => queue.raise(withNames(request)),
    answer(promptId, byUid, answer) {
      const outcome = queue.answer(promptId, byUid, answer);
      const standing = outcome.rules.filter((r) => r.duration.kind !== "once");
      for (const r of standing) set.upsert(r);
      changed("answer", standing, []);
      return outcome;
    },
    preview: (promptId, byUid, answer) => queue.preview(promptId, byUid, answer),
    pending: (uid) => queue.pending(uid),
    on: (type: string, listener: Listener) => events.on(type, listener),
  };

  if (options.rules !== undefined) armExpiry();

  return {
    bootId,
    rules,
    prompts,
    decide,
    observeDns: (app, answer) => dns.observe(app, answer, clock.now()),
    processExited: (p) => removing("process-exit", () => set.processExited(p)),
    setList(list) {
      set.setList(list);
    },
    removeExpired,
    nextExpiry: () => set.nextExpiry(),
    compiled: () => set.compiled(),
    on: (type: string, listener: Listener) => events.on(type, listener),
    close() {
      clock.clearTimer(expiryTimer);
      expiryTimer = undefined;
      queue.close();
    },
  };
}
