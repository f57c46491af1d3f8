// A rule's tag is what the kernel echoes in events of calls its entries answer: FNV-1a of
// the rule id (the engine's default, so planned entries and user-space verdicts agree).
// The registry maps tags back to rule ids for history.

import { fnv1a32 } from "@sockgate/decision-engine/kernel";

export interface TagRegistry {
  tagOf(ruleId: string): number;
  ruleOf(tag: number): string | undefined;
}

export function tagRegistry(max = 100_000): TagRegistry {
  const rules = new Map<number, string>();
  return {
    tagOf(ruleId) {
      const tag = fnv1a32(ruleId);
      if (!rules.has(tag)) {
        if (rules.size >= max) rules.delete(rules.keys().next().value!);
        rules.set(tag, ruleId);
      }
      return tag;
    },
    ruleOf: (tag) => rules.get(tag),
  };
}
