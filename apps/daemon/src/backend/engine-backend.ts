// The API backend over the engine, the rule book (store + engine) and the recorder. The
// server has authorised every call before it gets here; the per-user checks that matter
// are repeated where they are cheap (a prompt is answered for its own user only, by the
// engine as well).

import type { Engine, Rule } from "@sockgate/decision-engine";
import { EXPORT_FORMAT, EXPORT_VERSION } from "@sockgate/store";
import type { Store } from "@sockgate/store";
import type { ApiPrompt, ApiRule, HistoryEntry, PromptAnswer, PromptOutcome, RuleEntry, Status } from "@sockgate/protocol/client";
import type { ApiBackend, BackendEvent, OwnedRuleInput, Peer, RuleOwners } from "../api/backend.js";
import type { Recorder } from "../history/recorder.js";
import type { RuleBook, RuleBookEntry } from "../rules/rule-book.js";
import { apiOutcome, apiPrompt } from "./prompts-view.js";

export interface EngineBackendDeps {
  engine: Engine;
  book: RuleBook;
  store: Store<Rule>;
  recorder: Recorder;
  timeoutAction: () => "allow" | "deny";
  /** Notes for a rule (what the kernel cannot enforce of it). */
  ruleNotes: (rule: Rule) => string[];
  status: (peer: Peer) => Omit<Status, "api">;
}

export function engineBackend(d: EngineBackendDeps): ApiBackend {
  const { engine } = d;
  const uidOfPrompt = new Map<string, number>();
  engine.prompts.on("raised", (p) => uidOfPrompt.set(p.id, p.uid));
  engine.prompts.on("settled", (p) => uidOfPrompt.delete(p.id));

  const entry = (e: RuleBookEntry): RuleEntry => {
    const notes = d.ruleNotes(e.rule);
    return { rule: e.rule as unknown as ApiRule, enabled: e.enabled, ...(notes.length > 0 ? { notes } : {}) };
  };
  const view = (p: Parameters<typeof apiPrompt>[0]): ApiPrompt => apiPrompt(p, engine, d.timeoutAction());

  return {
    status: (peer) => d.status(peer),
    getPrompt(promptId) {
      const uid = uidOfPrompt.get(promptId);
      const p = uid === undefined ? undefined : engine.prompts.pending(uid).find((x) => x.id === promptId);
      return p === undefined ? undefined : view(p);
    },
    pendingPrompts: (uid) => engine.prompts.pending(uid).map(view),
    previewAnswer: (peer, prompt, answer) => engine.prompts.preview(prompt.id, peer.uid, answer) as unknown as ApiRule[],
    answerPrompt(peer: Peer, prompt: ApiPrompt, answer: PromptAnswer): PromptOutcome {
      // The answer's rules are in the store before this returns (rule-book.ts).
      const outcome = engine.prompts.answer(prompt.id, peer.uid, answer);
      const dest = prompt.destination;
      d.recorder.record({
        at: Date.now(),
        uid: prompt.uid,
        exe: prompt.app.exePath,
        op: prompt.operation,
        proto: prompt.protocol,
        remoteAddr: dest.address ?? null,
        remotePort: dest.port ?? null,
        localPort: null,
        host: dest.host ?? null,
        verdict: answer.action,
        reason: `prompt ${prompt.id} answered by pid ${peer.pid} (${peer.exe ?? "executable unknown"}): ${outcome.reason}`,
        ruleId: outcome.rules[0]?.id ?? null,
        pid: prompt.app.pid,
        answeredBy: { pid: peer.pid, exe: peer.exe },
      });
      return apiOutcome(outcome);
    },
    listRules: (_peer, owners: RuleOwners) => d.book.list(owners).map(entry),
    getRule(id) {
      const e = d.book.get(id);
      return e === undefined ? undefined : entry(e);
    },
    addRule: (_peer, rule: OwnedRuleInput, enabled) => entry(d.book.put(rule, enabled)),
    updateRule: (_peer, rule: OwnedRuleInput) => entry(d.book.put(rule)),
    deleteRule(_peer, id) {
      d.book.remove(id);
    },
    setRuleEnabled: (_peer, id, enabled) => entry(d.book.setEnabled(id, enabled)!),
    exportRules: (_peer, owners) => ({
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: new Date().toISOString(),
      rules: d.book.list(owners).map((e) => e.rule as unknown as ApiRule),
    }),
    importRules(_peer, document, options) {
      const result = d.store.importJson(JSON.stringify(document), { mode: options.mode, owner: options.owner });
      d.book.reload();
      return result;
    },
    queryHistory(_peer, q): HistoryEntry[] {
      const rows = d.store.history.query({
        ...(q.uid !== undefined ? { uid: q.uid } : {}),
        ...(q.exe !== undefined ? { exe: q.exe } : {}),
        ...(q.host !== undefined ? { host: q.host } : {}),
        ...(q.verdict !== undefined ? { verdict: q.verdict } : {}),
        ...(q.since !== undefined ? { since: q.since } : {}),
        ...(q.until !== undefined ? { until: q.until } : {}),
        ...(q.before !== undefined ? { before: q.before } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
      return rows.map(({ answererPid, answererExe, pid, count, ...rest }) => ({
        ...rest,
        ...(pid !== null ? { pid } : {}),
        ...(count !== 1 ? { count } : {}),
        ...(answererPid !== null ? { answeredBy: { pid: answererPid, exe: answererExe } } : {}),
      }));
    },
    subscribe(listener: (e: BackendEvent) => void) {
      const offs = [
        engine.prompts.on("raised", (p) => listener({ type: "prompt", prompt: view(p) })),
        engine.prompts.on("settled", (p, o) => listener({ type: "prompt-settled", uid: p.uid, promptId: p.id, outcome: apiOutcome(o) })),
        d.recorder.onActivity((activity) => listener({ type: "activity", activity })),
      ];
      return () => offs.forEach((off) => off());
    },
  };
}
