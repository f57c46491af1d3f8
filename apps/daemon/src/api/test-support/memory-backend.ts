// An ApiBackend that keeps everything in memory, for the API layer's own tests: rules,
// prompts, history and events are whatever the test puts in. It trusts the server's
// authorisation (as the real backend may not) so the tests see what the server lets through.

import { SockgateError } from "@sockgate/protocol";
import { ApiError } from "@sockgate/protocol/client";
import type { ActivityEntry, ApiPrompt, ApiRule, HistoryEntry, PromptAnswer, PromptOutcome, RuleEntry, Status } from "@sockgate/protocol/client";
import type { ApiBackend, BackendEvent, Peer, RuleOwners } from "../backend.js";

export interface RecordedAnswer {
  peer: Peer;
  promptId: string;
  answer: PromptAnswer;
}

const sameOwner = (a: ApiRule["owner"], b: ApiRule["owner"]): boolean => JSON.stringify(a) === JSON.stringify(b);
const inOwners = (rule: ApiRule, owners: RuleOwners): boolean => owners === "all" || owners.some((o) => sameOwner(o, rule.owner));

export class MemoryBackend implements ApiBackend {
  readonly rules = new Map<string, RuleEntry>();
  readonly prompts = new Map<string, ApiPrompt>();
  readonly history: HistoryEntry[] = [];
  readonly answers: RecordedAnswer[] = [];
  readonly listenerCounts: [uid: number, count: number][] = [];
  private readonly listeners = new Set<(e: BackendEvent) => void>();

  // --- what tests do

  putRule(rule: ApiRule, enabled = true): void {
    this.rules.set(rule.id, { rule, enabled });
  }

  raise(prompt: ApiPrompt): void {
    this.prompts.set(prompt.id, prompt);
    this.emit({ type: "prompt", prompt });
  }

  activity(activity: ActivityEntry): void {
    this.emit({ type: "activity", activity });
  }

  emit(event: BackendEvent): void {
    for (const l of this.listeners) l(event);
  }

  // --- ApiBackend

  status(): Omit<Status, "api"> {
    return { daemon: { version: "test", pid: process.pid, startedAt: 0 }, prompts: { pending: this.prompts.size } };
  }

  getPrompt(promptId: string): ApiPrompt | undefined {
    return this.prompts.get(promptId);
  }

  pendingPrompts(uid: number): ApiPrompt[] {
    return [...this.prompts.values()].filter((p) => p.uid === uid);
  }

  previewAnswer(_peer: Peer, prompt: ApiPrompt, answer: PromptAnswer): ApiRule[] {
    return [this.ruleFor(prompt, answer, "preview")];
  }

  answerPrompt(peer: Peer, prompt: ApiPrompt, answer: PromptAnswer): PromptOutcome {
    this.answers.push({ peer, promptId: prompt.id, answer });
    this.prompts.delete(prompt.id);
    const outcome: PromptOutcome = { promptId: prompt.id, action: answer.action, answeredBy: "user", reason: `answered by pid ${peer.pid}`, rules: [this.ruleFor(prompt, answer, `answer-${prompt.id}`)] };
    this.emit({ type: "prompt-settled", uid: prompt.uid, promptId: prompt.id, outcome });
    return outcome;
  }

  listRules(_peer: Peer, owners: RuleOwners): RuleEntry[] {
    return [...this.rules.values()].filter((e) => inOwners(e.rule, owners));
  }

  getRule(id: string): RuleEntry | undefined {
    return this.rules.get(id);
  }

  addRule(_peer: Peer, input: Record<string, unknown> & { id: string; owner: ApiRule["owner"] }, enabled: boolean): RuleEntry {
    const entry = { rule: this.parse(input), enabled };
    this.rules.set(entry.rule.id, entry);
    return entry;
  }

  updateRule(_peer: Peer, input: Record<string, unknown> & { id: string; owner: ApiRule["owner"] }): RuleEntry {
    const entry = { rule: this.parse(input), enabled: this.rules.get(input.id)?.enabled ?? true };
    this.rules.set(entry.rule.id, entry);
    return entry;
  }

  deleteRule(_peer: Peer, id: string): void {
    this.rules.delete(id);
  }

  setRuleEnabled(_peer: Peer, id: string, enabled: boolean): RuleEntry {
    const entry = { ...this.rules.get(id)!, enabled };
    this.rules.set(id, entry);
    return entry;
  }

  exportRules(peer: Peer, owners: RuleOwners) {
    return { format: "sockgate-rules" as const, version: 1, exportedAt: new Date(0).toISOString(), rules: this.listRules(peer, owners).map((e) => e.rule) };
  }

  importRules(_peer: Peer, document: { rules: Record<string, unknown>[] }) {
    const parsed = document.rules.map((r) => this.parse(r));
    for (const rule of parsed) this.rules.set(rule.id, { rule, enabled: true });
    return { imported: parsed.length, removed: 0 };
  }

  queryHistory(_peer: Peer, q: { uid?: number; exe?: string }): HistoryEntry[] {
    return this.history.filter((e) => (q.uid === undefined || e.uid === q.uid) && (q.exe === undefined || e.exe === q.exe));
  }

  subscribe(listener: (e: BackendEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  promptListenersChanged(uid: number, count: number): void {
    this.listenerCounts.push([uid, count]);
  }

  // Stands in for the engine's parseRule: enough to exercise the error mapping.
  private parse(input: Record<string, unknown>): ApiRule {
    if (!["allow", "deny", "ask"].includes(input.action as string)) {
      throw new SockgateError("SG_ERR_RULE_INVALID", `action: expected one of "allow", "deny", "ask"; received ${JSON.stringify(input.action)}`);
    }
    if (input.id === "explode") throw new Error("disk on fire");
    if (input.id === "refused") throw new ApiError("io.sockgate.Conflict", "the backend refuses this one");
    return { schemaVersion: 1, duration: { kind: "forever" }, match: {}, ...input } as unknown as ApiRule;
  }

  private ruleFor(prompt: ApiPrompt, answer: PromptAnswer, id: string): ApiRule {
    return { schemaVersion: 1, id, owner: { kind: "user", uid: prompt.uid }, action: answer.action, duration: { kind: "forever" }, match: { exe: prompt.app.exePath } };
  }
}
