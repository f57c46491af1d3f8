// The live rule set: rules by id, the lists they name, and a generation counter that
// every change bumps. compiled() recompiles lazily after a change.

import { SockgateError } from "@sockgate/protocol";
import type { CompiledRules } from "./compile.js";
import { compileRules, ruleExpiresAt } from "./compile.js";
import type { NamedList } from "./lists.js";
import { parseRule } from "./rule-parse.js";
import type { Rule, RuleOwner } from "./rule-types.js";

const sameOwner = (a: RuleOwner, b: RuleOwner): boolean => a.kind === b.kind && (a.kind === "system" || a.uid === (b as { uid: number }).uid);
const ownerText = (o: RuleOwner): string => (o.kind === "system" ? "the system" : `uid ${o.uid}`);

/** One process, as the kernel and /proc name it: a pid alone is reused. */
export interface ProcessRef {
  pid: number;
  /** Clock ticks since boot (/proc/PID/stat field 22). */
  startTime: number;
  bootId: string;
}

export interface RuleSetOptions {
  bootId?: string;
}

export class RuleSet {
  private readonly byId = new Map<string, Rule>();
  private readonly lists = new Map<string, NamedList>();
  private readonly bootId: string | undefined;
  private gen = 0;
  private cache: CompiledRules | undefined;

  constructor(options: RuleSetOptions = {}) {
    this.bootId = options.bootId;
  }

  get generation(): number {
    return this.gen;
  }

  /** Every rule, as parsed: deep-frozen objects. */
  rules(): Rule[] {
    return [...this.byId.values()];
  }

  get(id: string): Rule | undefined {
    return this.byId.get(id);
  }

  private changed(): void {
    this.gen++;
    this.cache = undefined;
  }

  /** Refuses `r` when its id belongs to another owner in `current`. */
  private checkOwner(r: Rule, current: ReadonlyMap<string, Rule>): void {
    const old = current.get(r.id);
    if (old !== undefined && !sameOwner(old.owner, r.owner)) {
      throw new SockgateError(
        "SG_ERR_RULE_INVALID",
        `rule ${JSON.stringify(r.id)} is invalid: field owner: the id belongs to ${ownerText(old.owner)}; expected a rule of that owner, received one of ${ownerText(r.owner)}`,
      );
    }
  }

  /**
   * Validates with parseRule; replaces a rule with the same id and owner. A rule id never
   * changes owner (as in @sockgate/store): otherwise a user's rule reusing the id of a
   * system deny would silently remove it. Remove the old rule first to move an id.
   */
  upsert(rule: unknown): Rule {
    const r = parseRule(rule);
    this.checkOwner(r, this.byId);
    this.byId.set(r.id, r);
    this.changed();
    return r;
  }

  /**
   * The whole set at once (a reload): all or nothing. Every rule is validated, ids must be
   * unique, and an id that stays keeps its owner, as with upsert.
   */
  replaceAll(rules: readonly unknown[]): Rule[] {
    const parsed = rules.map(parseRule);
    const next = new Map<string, Rule>();
    for (const r of parsed) {
      if (next.has(r.id)) {
        throw new SockgateError("SG_ERR_RULE_INVALID", `rule ${JSON.stringify(r.id)} is invalid: field id: appears twice in one rule set; expected unique ids`);
      }
      this.checkOwner(r, this.byId);
      next.set(r.id, r);
    }
    this.byId.clear();
    for (const [id, r] of next) this.byId.set(id, r);
    this.changed();
    return parsed;
  }

  remove(id: string): boolean {
    const had = this.byId.delete(id);
    if (had) this.changed();
    return had;
  }

  setList(list: NamedList): void {
    this.lists.set(list.name, list);
    this.changed();
  }

  /**
   * Drops the "until the application exits" rules of one process (pid + start time + boot
   * id, as recorded when the rule was made); returns their ids.
   */
  processExited(p: ProcessRef): string[] {
    const gone = this.rules().filter((r) => r.duration.kind === "process" && r.duration.pid === p.pid && r.duration.startTime === p.startTime && r.duration.bootId === p.bootId);
    for (const r of gone) this.byId.delete(r.id);
    if (gone.length > 0) this.changed();
    return gone.map((r) => r.id);
  }

  /** Drops rules whose time is up at `now`, and process rules of other boots; returns their ids. */
  removeExpired(now: number): string[] {
    const gone = this.rules().filter((r) => ruleExpiresAt(r) <= now || (r.duration.kind === "process" && this.bootId !== undefined && r.duration.bootId !== this.bootId));
    for (const r of gone) this.byId.delete(r.id);
    if (gone.length > 0) this.changed();
    return gone.map((r) => r.id);
  }

  /** Earliest expiry among the rules (ms since the epoch), for scheduling removeExpired; null if none. */
  nextExpiry(): number | null {
    let next = Infinity;
    for (const r of this.byId.values()) next = Math.min(next, ruleExpiresAt(r));
    return Number.isFinite(next) ? next : null;
  }

  compiled(): CompiledRules {
    this.cache ??= compileRules(this.rules(), {
      generation: this.gen,
      lists: this.lists,
      ...(this.bootId === undefined ? {} : { bootId: this.bootId }),
    });
    return this.cache;
  }
}
