// The decide seam over the engine. A rule answers at once (a synchronous Verdict: no timer,
// no microtask). With no rule, the owning user is asked: their prompt's outcome is the
// verdict, or, when no UI of theirs is subscribed, the "nobody is listening" answer applies
// at once and the prompt stays pending for review. Processes outside the governed scope
// are not asked: their unknown calls are allowed (the kernel does this itself once it
// knows the scope; this is the same rule in user space).

import type { Decision, Engine, PromptOutcome } from "@sockgate/decision-engine";
import type { Request } from "@sockgate/protocol";
import type { Decide, Verdict } from "../hold/verdict.js";
import type { GovernedScope } from "../scope/governed.js";
import { ExeHashes } from "./exe-hash.js";

export interface EngineDecideDeps {
  engine: Engine;
  scope: () => GovernedScope;
  /** Whether a UI of `uid` is subscribed to prompts now. */
  listening: (uid: number) => boolean;
  nobodyListening: () => "allow" | "deny";
  tagOf: (ruleId: string) => number;
  /** Told about every question that became (or joined) a prompt, and whether someone was there to see it. */
  onAsked?: (request: Request, promptId: string, listened: boolean) => void;
}

const FLOW = { scope: "flow" } as const;

/**
 * A rule's verdict is for this flow: the kernel's own entries (planned from the rules)
 * answer whatever the kernel can express, and a flow that reached user space was decided
 * by a rule that depends on more than the kernel key (a host name, a command line), which
 * an identity entry would wrongly extend to other calls.
 */
function ruleVerdict(d: Decision, tagOf: (id: string) => number): Verdict {
  return { action: d.action as "allow" | "deny", reason: d.reason, ...(d.ruleId !== null ? { tag: tagOf(d.ruleId) } : {}), cache: FLOW };
}

function outcomeVerdict(o: PromptOutcome): Verdict {
  return { action: o.action, reason: `prompt ${o.promptId}: ${o.reason}`, cache: FLOW };
}

export function engineDecide(d: EngineDecideDeps): Decide {
  // The executable's sha256 is needed only while some rule names one.
  const hashes = new ExeHashes();
  let needHash = false;
  const hashRules = (): boolean => (needHash = d.engine.rules.list().some((r) => r.match.sha256 !== undefined));
  hashRules();
  d.engine.on("rules", hashRules);

  return (request: Request) => {
    if (!d.scope().governs(request.app)) return { action: "allow", reason: "not governed: unknown calls of this process are allowed", cache: FLOW };
    if (needHash && request.app.sha256 === undefined && !(request.app.flags ?? []).includes("no_exe")) {
      const sha = hashes.get(request.app);
      if (typeof sha !== "string") return sha.then((h) => decideFor(h === undefined ? request : withSha(request, h)));
      return decideFor(withSha(request, sha));
    }
    return decideFor(request);
  };

  function decideFor(request: Request): Verdict | Promise<Verdict> {
    const decision = d.engine.decide(request);
    if (decision.action !== "ask") return ruleVerdict(decision, d.tagOf);
    const listened = d.listening(request.app.uid);
    const raised = d.engine.prompts.raise(request);
    d.onAsked?.(request, raised.promptId, listened);
    if (!listened) {
      const action = d.nobodyListening();
      return { action, reason: `no UI of uid ${request.app.uid} is listening: "${action}" applies now; prompt ${raised.promptId} waits for review`, cache: FLOW };
    }
    return raised.outcome.then(outcomeVerdict);
  }
}

const withSha = (r: Request, sha256: string): Request => ({ ...r, app: { ...r.app, sha256 } });

