// Prompts as the API shows them: the engine's prompt plus what applies at the deadline and
// the daemon's notes (a rule by sha256 for this path that no longer matches: an upgrade).

import type { Engine, Prompt, PromptOutcome, Rule } from "@sockgate/decision-engine";
import type { ApiPrompt, ApiRule, PromptOutcome as ApiOutcome } from "@sockgate/protocol/client";

export function notesFor(prompt: Prompt, rules: readonly Rule[]): string[] {
  const notes: string[] = [];
  const path = prompt.app.exePath;
  for (const r of rules) {
    const m = r.match;
    if (m.sha256 === undefined || m.exe !== path || (r.owner.kind === "user" && r.owner.uid !== prompt.uid)) continue;
    if (prompt.app.sha256 !== m.sha256) {
      notes.push(`rule ${JSON.stringify(r.id)} names ${path} by sha256 ${m.sha256.slice(0, 12)}…, which this file no longer has: it was replaced (an upgrade?)`);
    }
  }
  return notes;
}

export function apiPrompt(prompt: Prompt, engine: Engine, timeoutAction: "allow" | "deny"): ApiPrompt {
  const notes = notesFor(prompt, engine.rules.list());
  return { ...prompt, timeoutAction, ...(notes.length > 0 ? { notes } : {}) } as ApiPrompt;
}

export function apiOutcome(o: PromptOutcome): ApiOutcome {
  return { ...o, rules: o.rules as unknown as ApiRule[] };
}
