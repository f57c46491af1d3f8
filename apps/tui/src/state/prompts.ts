// The prompt queue and what is selected to answer each prompt.

import { ANSWER_SCOPES } from "@sockgate/protocol/client";
import type { ApiPrompt, PromptOutcome } from "@sockgate/protocol/client";
import { appName } from "../format/app.js";
import { destinationShort } from "../format/destination.js";
import { DURATION_CHOICES, sameDuration } from "../format/labels.js";
import type { Choice, PromptsState } from "./types.js";

/** What a prompt starts with: the narrowest, shortest answer, so a stray Enter denies this one call only. */
export const DEFAULT_CHOICE: Choice = { action: "deny", scope: "host-port", duration: "once" };

const MAX_SETTLED = 20;

export function choiceKey(c: Choice): string {
  return JSON.stringify([c.action, c.scope, c.duration]);
}

export function currentPrompt(p: PromptsState): ApiPrompt | undefined {
  return p.current === undefined ? undefined : p.queue.find((q) => q.id === p.current);
}

export function choiceOf(p: PromptsState, id: string): Choice {
  return p.choices[id] ?? DEFAULT_CHOICE;
}

export function addPrompt(p: PromptsState, prompt: ApiPrompt, now: number): PromptsState {
  const i = p.queue.findIndex((q) => q.id === prompt.id);
  // The same prompt again (coalesced calls, a re-subscription): updated in place.
  const queue = i >= 0 ? p.queue.map((q, j) => (j === i ? prompt : q)) : [...p.queue, prompt];
  if (p.current !== undefined) return { ...p, queue };
  return { ...p, queue, current: prompt.id, shownAt: now, row: 0, error: undefined };
}

function settledText(prompt: ApiPrompt | undefined, outcome: PromptOutcome): string {
  const what = prompt === undefined ? `prompt ${outcome.promptId}` : `${appName(prompt.app)} → ${destinationShort(prompt.destination.host, prompt.destination.address, prompt.destination.port)}`;
  // A person's own answer needs no explaining; anything else says what settled it (a timeout: the default).
  const how = outcome.answeredBy === "user" ? `${outcome.action}, answered` : outcome.answeredBy === "timeout" ? `${outcome.action}, timed out: ${outcome.reason}` : `${outcome.action}: ${outcome.reason}`;
  return `${what}: ${how}`;
}

export function settlePrompt(p: PromptsState, promptId: string, outcome: PromptOutcome, now: number): PromptsState {
  const index = p.queue.findIndex((q) => q.id === promptId);
  // Told twice (the answer's reply and the subscription's event): once is enough.
  if (index < 0 && p.settled.some((x) => x.promptId === promptId)) return p;
  const prompt = index >= 0 ? p.queue[index] : undefined;
  const queue = p.queue.filter((q) => q.id !== promptId);
  const { [promptId]: _gone, ...choices } = p.choices;
  const settled = [{ promptId, at: now, text: settledText(prompt, outcome), action: outcome.action, answeredBy: outcome.answeredBy }, ...p.settled].slice(0, MAX_SETTLED);
  let next = { ...p, queue, choices, settled, answering: p.answering === promptId ? undefined : p.answering };
  if (p.current === promptId) {
    // The next one in line takes its place: the one after it, else the one before.
    const successor = queue[Math.min(index, queue.length - 1)];
    next = { ...next, current: successor?.id, shownAt: now, row: 0, preview: undefined, error: undefined };
  }
  return next;
}

export function movePrompt(p: PromptsState, delta: number, now: number): PromptsState {
  if (p.queue.length === 0) return p;
  const i = Math.max(0, p.queue.findIndex((q) => q.id === p.current));
  const j = (i + delta + p.queue.length) % p.queue.length;
  if (j === i) return p;
  return { ...p, current: p.queue[j]!.id, shownAt: now, row: 0, error: undefined };
}

function cycle<T>(values: readonly T[], current: T, delta: number, same: (a: T, b: T) => boolean = (a, b) => a === b): T {
  const i = Math.max(0, values.findIndex((v) => same(v, current)));
  return values[(i + delta + values.length) % values.length]!;
}

export function patchChoice(p: PromptsState, patch: Partial<Choice>): PromptsState {
  if (p.current === undefined) return p;
  return { ...p, choices: { ...p.choices, [p.current]: { ...choiceOf(p, p.current), ...patch } }, error: undefined };
}

/** Changes the value of the selected row by `delta` steps. */
export function cycleChoice(p: PromptsState, delta: number): PromptsState {
  if (p.current === undefined) return p;
  const c = choiceOf(p, p.current);
  if (p.row === 0) return patchChoice(p, { action: c.action === "allow" ? "deny" : "allow" });
  if (p.row === 1) return patchChoice(p, { scope: cycle(ANSWER_SCOPES, c.scope, delta) });
  return patchChoice(p, { duration: cycle(DURATION_CHOICES, c.duration, delta, sameDuration) });
}

export function nextScope(c: Choice): Choice["scope"] {
  return cycle(ANSWER_SCOPES, c.scope, 1);
}

export function nextDuration(c: Choice): Choice["duration"] {
  return cycle(DURATION_CHOICES, c.duration, 1, sameDuration);
}
