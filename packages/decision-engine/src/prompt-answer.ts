// An answer to a prompt becomes rules: owned by the user who was asked, for the exact
// executable, operation and protocol asked about, narrowed to the chosen scope.

import { SockgateError } from "@sockgate/protocol";
import { parentDomainForScope } from "./match-domain.js";
import { ANSWER_SCOPES } from "./prompt-types.js";
import type { Prompt, PromptAnswer, PromptDestination } from "./prompt-types.js";
import { parseRule } from "./rule-parse.js";
import type { Rule, RuleDuration, RuleMatch } from "./rule-types.js";

export interface AnswerContext {
  now: number;
  /** Rule ids: called once per rule made. */
  newRuleId: () => string;
  bootId?: string;
}

function duration(answer: PromptAnswer, prompt: Prompt, bootId: string | undefined): RuleDuration {
  const d = answer.duration;
  if (typeof d === "object") return { kind: "minutes", minutes: d.minutes };
  if (d === "process") return { kind: "process", pid: prompt.app.pid };
  if (d === "reboot") {
    if (bootId === undefined) throw new SockgateError("SG_ERR_BAD_VALUE", `answer duration "reboot" needs the queue's bootId option; none was given`);
    return { kind: "reboot", bootId };
  }
  return { kind: d };
}

const LOCAL_SIDE = new Set(["bind", "listen", "socket"]);

/** The destination part of a rule for one destination under `scope`. */
function destinationMatch(prompt: Prompt, dest: PromptDestination, scope: PromptAnswer["scope"]): RuleMatch {
  if (scope === "any") return {};
  if (LOCAL_SIDE.has(prompt.operation)) {
    // bind/listen ask about a local port; socket() has nothing narrower than the app.
    return scope === "host-port" && dest.port !== undefined && prompt.operation !== "socket" ? { localPort: [dest.port] } : {};
  }
  // accept: the port is the local one the peer came in on (see destinationOf in prompt-queue.ts).
  const portField = prompt.operation === "accept" ? "localPort" : "remotePort";
  const port = scope === "host-port" && dest.port !== undefined && dest.port > 0 ? { [portField]: [dest.port] } : {};
  if (dest.host !== undefined) {
    const host = scope === "domain" ? `*.${parentDomainForScope(dest.host)}` : dest.host;
    return { remoteHost: [host], ...port };
  }
  // No name seen: "this domain" falls back to the address, the narrowest honest choice.
  return dest.address === undefined ? port : { remoteAddress: [dest.address], ...port };
}

export function rulesFromAnswer(prompt: Prompt, destinations: readonly PromptDestination[], answer: PromptAnswer, ctx: AnswerContext): Rule[] {
  if (answer.action !== "allow" && answer.action !== "deny") {
    throw new SockgateError("SG_ERR_BAD_VALUE", `answer action must be "allow" or "deny"; received ${JSON.stringify(answer.action)}`);
  }
  if (!(ANSWER_SCOPES as readonly string[]).includes(answer.scope)) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `answer scope must be one of ${ANSWER_SCOPES.join(", ")}; received ${JSON.stringify(answer.scope)}`);
  }
  const base: RuleMatch = { exe: prompt.app.exePath, operation: [prompt.operation], protocol: [prompt.protocol] };
  const seen = new Set<string>();
  const matches: RuleMatch[] = [];
  for (const d of answer.scope === "any" ? destinations.slice(0, 1) : destinations) {
    const m = { ...base, ...destinationMatch(prompt, d, answer.scope) };
    const key = JSON.stringify(m);
    if (!seen.has(key)) {
      seen.add(key);
      matches.push(m);
    }
  }
  const dur = duration(answer, prompt, ctx.bootId);
  // parseRule checks what we built: an answer can never produce a rule the store would refuse.
  return matches.map((match) =>
    parseRule({
      schemaVersion: 1,
      id: ctx.newRuleId(),
      owner: { kind: "user", uid: prompt.uid },
      action: answer.action,
      duration: dur,
      createdAt: ctx.now,
      match,
      note: `answer to prompt ${prompt.id}`,
    }),
  );
}
