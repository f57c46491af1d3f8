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

  /**
   * Validates with parseRule; replaces a rule with the same id and owner. A rule id never
   * changes owner (as in @sockgate/store): otherwise a user's rule reusing the id of a
   * system deny would silently remove it. Remove the old rule first to move an id.
   */
  upsert(rule: unknown): Rule {
    const r = parseRule(rule);
    const old = this.byId.get(r.id);
    if (old !== undefined && !sameOwner(old.owner, r.owner)) {
      throw new SockgateError(
        "SG_ERR_RULE_INVALID",
        `rule ${JSON.stringify(r.id)} is invalid: field owner: the id belongs to ${ownerText(old.owner)}; expected a rule of that owner, received one of ${ownerText(r.owner)}`,
      );
    }
    this.byId.set(r.id, r);
    this.changed();
    return r;
  }

  replaceAll(rules: readonly unknown[]): void {
    const parsed = rules.map(parseRule);
    this.byId.clear();
    for (const r of parsed) this.byId.set(r.id, r);
    this.changed();
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

  /** Drops "until the application exits" rules of `pid`; returns their ids. */
  processExited(pid: number): string[] {
    const gone = this.rules().filter((r) => r.duration.kind === "process" && r.duration.pid === pid);
    for (const r of gone) this.byId.delete(r.id);
    if (gone.length > 0) this.changed();
    return gone.map((r) => r.id);
  }

  /** Drops rules whose time is up at `now`; returns their ids. */
  removeExpired(now: number): string[] {
    const gone = this.rules().filter((r) => ruleExpiresAt(r) <= now);
    for (const r of gone) this.byId.delete(r.id);
    if (gone.length > 0) this.changed();
    return gone.map((r) => r.id);
  }

  /** Earliest expiry among the rules, for scheduling removeExpired; Infinity if none. */
  nextExpiry(): number {
    let next = Infinity;
    for (const r of this.byId.values()) next = Math.min(next, ruleExpiresAt(r));
    return next;
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
