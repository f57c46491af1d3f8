// Rules live in two places that must agree: the store (on disk, every rule with its enabled
// flag: the truth) and the engine (the enabled ones: what decides). Every change goes to
// the store first, so a rule is durable before anyone is told it exists; the engine's own
// changes (an answer's rules, an expiry, a process exit) are written as they happen,
// before the answered flows are released.

import type { Engine, Rule, RuleChange } from "@sockgate/decision-engine";
import type { Owner } from "@sockgate/protocol/client";
import type { Store } from "@sockgate/store";
import type { Logger } from "../log/logger.js";

export interface RuleBookEntry {
  rule: Rule;
  enabled: boolean;
}

export interface RuleBook {
  get(id: string): RuleBookEntry | undefined;
  list(owners: "all" | readonly Owner[]): RuleBookEntry[];
  /** Validated by the store (parseRule); replaces the rule with that id. */
  put(rule: unknown, enabled?: boolean): RuleBookEntry;
  remove(id: string): boolean;
  setEnabled(id: string, enabled: boolean): RuleBookEntry | undefined;
  /** After an import or anything else written to the store directly: the engine reloads. */
  reload(): void;
  stop(): void;
}

const sameOwner = (a: Owner, b: Owner): boolean => a.kind === b.kind && (a.kind === "system" || a.uid === (b as { uid: number }).uid);

export function openRuleBook(store: Store<Rule>, engine: Engine, log: Logger): RuleBook {
  let disabled = new Set(store.rules.disabledIds());
  // Changes the book itself makes are already in the store.
  let applying = false;

  const enabledRules = (): Rule[] => store.rules.list().filter((r) => !disabled.has(r.id));
  const reload = (): void => {
    disabled = new Set(store.rules.disabledIds());
    applying = true;
    try {
      engine.rules.replaceAll(enabledRules());
    } finally {
      applying = false;
    }
  };

  const off = engine.on("rules", (change: RuleChange) => {
    if (applying) return;
    // The engine changed its rules by itself: the store follows, synchronously.
    for (const r of change.upserted) store.rules.put(r);
    for (const r of change.removed) store.rules.delete(r.id, r.owner);
    if (change.upserted.length + change.removed.length > 0) {
      log.info({ cause: change.cause, upserted: change.upserted.map((r) => r.id), removed: change.removed.map((r) => r.id) }, `rules ${change.cause}`);
    }
  });

  function inEngine<T>(fn: () => T): T {
    applying = true;
    try {
      return fn();
    } finally {
      applying = false;
    }
  }

  reload();

  return {
    get(id) {
      const rule = store.rules.get(id);
      return rule === undefined ? undefined : { rule, enabled: !disabled.has(id) };
    },
    list(owners) {
      const rules = owners === "all" ? store.rules.list() : owners.flatMap((o) => store.rules.list(o));
      return rules.map((rule) => ({ rule, enabled: !disabled.has(rule.id) }));
    },
    put(input, enabled) {
      const rule = store.rules.put(input as Rule);
      if (enabled !== undefined && enabled === disabled.has(rule.id)) {
        store.rules.setEnabled(rule.id, rule.owner, enabled);
        if (enabled) disabled.delete(rule.id);
        else disabled.add(rule.id);
      }
      inEngine(() => (disabled.has(rule.id) ? engine.rules.remove(rule.id) : engine.rules.upsert(rule)));
      return { rule, enabled: !disabled.has(rule.id) };
    },
    remove(id) {
      const rule = store.rules.get(id);
      if (rule === undefined || !store.rules.delete(id, rule.owner)) return false;
      disabled.delete(id);
      inEngine(() => engine.rules.remove(id));
      return true;
    },
    setEnabled(id, enabled) {
      const rule = store.rules.get(id);
      if (rule === undefined || !store.rules.setEnabled(id, rule.owner, enabled)) return undefined;
      if (enabled) disabled.delete(id);
      else disabled.add(id);
      inEngine(() => (enabled ? engine.rules.upsert(rule) : engine.rules.remove(id)));
      return { rule, enabled };
    },
    reload,
    stop: off,
  };
}

export { sameOwner };
