// Deciding one `sockgate run` call: the session's profile rules first, then the engine's
// rules, then the caller's prompt. Every run call is decided whoever the caller is (the
// governed scope says which calls the kernel holds; the person chose sockgate run for
// this one). Raw and packet sockets are refused unless a rule allows them: nobody is asked.

import type { CompiledRules, Decision, Engine, PromptOutcome } from "@sockgate/decision-engine";
import { decide as decideWith } from "@sockgate/decision-engine/match";
import type { Request } from "@sockgate/protocol";
import type { RunVerdict } from "@sockgate/protocol/client";
import { ExeHashes } from "../../decide/exe-hash.js";
import { neverAsked } from "../socket-kind.js";

export interface RunProfileRules {
  name: string;
  compiled: CompiledRules;
  unmatched: "ask" | "deny";
}

export interface RunDecideDeps {
  engine: Engine;
  /** Whether a UI of `uid` is subscribed to prompts now. */
  listening: (uid: number) => boolean;
  nobodyListening: () => "allow" | "deny";
  onAsked?: (request: Request, promptId: string, listened: boolean) => void;
}

export type RunDecide = (request: Request, profile: RunProfileRules | undefined) => RunVerdict | Promise<RunVerdict>;

function ruleVerdict(d: Decision, source: string): RunVerdict {
  return {
    action: d.action as "allow" | "deny",
    reason: `${source}: ${d.reason}`,
    cache: d.validUntil === null ? { scope: "rules" } : { scope: "rules", until: d.validUntil },
    ...(d.ruleId !== null ? { ruleId: d.ruleId } : {}),
  };
}

/** A prompt's answer: reusable when it made a standing rule (not "once"), until that rule ends. */
function outcomeVerdict(o: PromptOutcome): RunVerdict {
  const standing = o.rules.filter((r) => r.duration.kind !== "once" && r.action === o.action);
  const ends = standing.map((r) => (r.duration.kind === "minutes" ? (r.createdAt ?? 0) + r.duration.minutes * 60_000 : Infinity));
  const until = Math.max(...ends);
  const cache: RunVerdict["cache"] = standing.length === 0 ? { scope: "call" } : Number.isFinite(until) ? { scope: "rules", until } : { scope: "rules" };
  return { action: o.action, reason: `prompt ${o.promptId}: ${o.reason}`, cache, promptId: o.promptId, ...(standing[0] ? { ruleId: standing[0].id } : {}) };
}

export function runDecide(d: RunDecideDeps): RunDecide {
  const hashes = new ExeHashes();
  let needHash = false;
  const hashRules = (): boolean => (needHash = d.engine.rules.list().some((r) => r.match.sha256 !== undefined));
  hashRules();
  d.engine.on("rules", hashRules);

  function decideFor(request: Request, profile: RunProfileRules | undefined): RunVerdict | Promise<RunVerdict> {
    if (profile !== undefined) {
      const p = decideWith(request, profile.compiled, Date.now());
      // Not kept by the native thread: a profile rule is no kernel entry, so each allowed call
      // must come here, where remember() tells the kernel about exactly its socket (else the
      // kernel's own look at a cached connect would ask the person what the profile allowed).
      if (p.action === "allow" || p.action === "deny") return { ...ruleVerdict(p, `profile ${profile.name}`), cache: { scope: "call" } };
    }
    const decision = d.engine.decide(request);
    if (decision.action !== "ask") return ruleVerdict(decision, "rule");
    if (neverAsked(request.protocol)) {
      return { action: "deny", reason: "raw and packet sockets are refused unless a rule allows them", cache: { scope: "call" } };
    }
    if (profile?.unmatched === "deny") {
      return { action: "deny", reason: `profile ${profile.name} refuses what no rule allows (unmatched: deny)`, cache: { scope: "call" } };
    }
    const uid = request.app.uid;
    const listened = d.listening(uid);
    const raised = d.engine.prompts.raise(request);
    d.onAsked?.(request, raised.promptId, listened);
    if (!listened) {
      const action = d.nobodyListening();
      return { action, reason: `no UI of uid ${uid} is listening: "${action}" applies now; prompt ${raised.promptId} waits for review`, cache: { scope: "call" }, promptId: raised.promptId };
    }
    return raised.outcome.then(outcomeVerdict);
  }

  return (request, profile) => {
    if (needHash && request.app.sha256 === undefined) {
      const sha = hashes.get(request.app);
      if (typeof sha !== "string") return sha.then((h) => decideFor(h === undefined ? request : { ...request, app: { ...request.app, sha256: h } }, profile));
      return decideFor({ ...request, app: { ...request.app, sha256: sha } }, profile);
    }
    return decideFor(request, profile);
  };
}
