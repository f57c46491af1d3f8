// An answer to a prompt becomes rules: owned by the user who was asked, for exactly the
// program, operation and protocol the prompt showed, narrowed to the chosen scope.
// The program is named the narrowest honest way (answerIdentity), and the prompt queue
// coalesces by the same identity, so one answer never covers a request it did not show.

import { SockgateError } from "@sockgate/protocol";
import type { AppIdentity } from "@sockgate/protocol";
import { registrableDomain } from "./match-domain.js";
import { isPathTrusted } from "./rule-matcher.js";
import { ANSWER_SCOPES, MAX_PROMPT_DESTINATIONS } from "./prompt-types.js";
import type { Prompt, PromptAnswer, PromptDestination } from "./prompt-types.js";
import { parseRule } from "./rule-parse.js";
import type { Rule, RuleDuration, RuleMatch } from "./rule-types.js";

export interface AnswerContext {
  now: number;
  /** Rule ids: called once per rule made. */
  newRuleId: () => string;
  bootId: string;
  isInterpreter: (exePath: string) => boolean;
}

// Programs that run other programs named on their command line: for these the command
// line (the script) is part of what the user was asked about.
const INTERPRETER =
  /^(?:python[0-9.]*|pypy[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|deno|bun|php[0-9.]*|lua[0-9.]*|luajit|tclsh[0-9.]*|wish[0-9.]*|Rscript|java|pwsh|osascript|bash|sh|dash|zsh|ksh|mksh|fish|busybox|env|gawk|awk|guile[0-9.]*|racket|sbcl|julia|qemu-.*)$/;

/** Default isInterpreter: by the executable's file name (python3.12, bash, node, ...). */
export function isInterpreterPath(exePath: string): boolean {
  return INTERPRETER.test(exePath.slice(exePath.lastIndexOf("/") + 1));
}

function answerError(problem: string): SockgateError {
  return new SockgateError("SG_ERR_ANSWER_INVALID", `answer: ${problem}`);
}

/**
 * How rules made from answers name a program, narrowest honest choice first:
 * - a verified Flatpak/Snap id: the id (the executable was checked against the deployment);
 * - else the executable: its path when the path can be trusted (verified on the host, not
 *   truncated, deleted, foreign or memfd), else its sha256, else its kernel identity
 *   (device, inode, generation); a process with no executable at all: noExe;
 * - plus a systemd or user unit id when the request had one, and for interpreters the
 *   exact exec-time argv.
 */
export function answerIdentity(app: AppIdentity, isInterpreter: (exePath: string) => boolean): RuleMatch {
  const id = app.appId;
  if (id !== undefined && (id.kind === "flatpak" || id.kind === "snap") && id.verified) return { appId: { kind: id.kind, id: id.id } };
  const m: RuleMatch = {};
  const flags = app.flags ?? [];
  if (flags.includes("no_exe")) m.noExe = true;
  else if (isPathTrusted(app)) m.exe = app.exePath;
  else if (app.sha256 !== undefined) m.sha256 = app.sha256;
  else m.exeId = app.exeGeneration === undefined ? { dev: app.exeDev, ino: app.exeIno } : { dev: app.exeDev, ino: app.exeIno, generation: app.exeGeneration };
  if (id?.kind === "systemd") m.appId = { kind: "systemd", id: id.id };
  if (id?.kind === "user-unit") m.appId = { kind: "user-unit", uid: id.uid, id: id.id };
  if (app.cmdline !== undefined && !flags.includes("no_exe") && isInterpreter(app.exePath)) m.argv = [...app.cmdline];
  return m;
}

function duration(answer: PromptAnswer, prompt: Prompt, bootId: string): RuleDuration {
  const d = answer.duration;
  if (typeof d === "object" && d !== null) {
    if (!Number.isInteger(d.minutes) || d.minutes < 1) throw answerError(`duration.minutes: expected a whole number of minutes >= 1; received ${JSON.stringify(d.minutes)}`);
    return { kind: "minutes", minutes: d.minutes };
  }
  if (d === "process") {
    const { pid, startTime } = prompt.app;
    if (startTime === undefined) throw answerError(`duration "process": the request did not say when process ${pid} started, so the rule could not tell it from a later process with the same pid`);
    return { kind: "process", pid, startTime, bootId };
  }
  if (d === "reboot") return { kind: "reboot", bootId };
  if (d === "once" || d === "forever") return { kind: d };
  throw answerError(`duration: expected "once", "process", "reboot", "forever" or {minutes}; received ${JSON.stringify(d)}`);
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
    // "domain" covers the registrable domain of the name shown, never a public suffix.
    const domain = scope === "domain" ? registrableDomain(dest.host) : undefined;
    return { remoteHost: [domain === undefined ? dest.host : `*.${domain}`], ...port };
  }
  // No name seen: "this domain" falls back to the address, the narrowest honest choice.
  return dest.address === undefined ? port : { remoteAddress: [dest.address], ...port };
}

/** The rules `answer` makes for `prompt` (at most MAX_PROMPT_DESTINATIONS). */
export function rulesFromAnswer(prompt: Prompt, answer: PromptAnswer, ctx: AnswerContext): Rule[] {
  if (typeof answer !== "object" || answer === null) throw answerError(`expected {action, scope, duration}; received ${JSON.stringify(answer)}`);
  if (answer.action !== "allow" && answer.action !== "deny") {
    throw answerError(`action: expected "allow" or "deny"; received ${JSON.stringify(answer.action)}`);
  }
  if (!(ANSWER_SCOPES as readonly string[]).includes(answer.scope)) {
    throw answerError(`scope: expected one of ${ANSWER_SCOPES.join(", ")}; received ${JSON.stringify(answer.scope)}`);
  }
  const dur = duration(answer, prompt, ctx.bootId);
  const base: RuleMatch = { ...answerIdentity(prompt.app, ctx.isInterpreter), operation: [prompt.operation], protocol: [prompt.protocol] };
  const seen = new Set<string>();
  const matches: RuleMatch[] = [];
  const dests = answer.scope === "any" ? prompt.destinations.slice(0, 1) : prompt.destinations.slice(0, MAX_PROMPT_DESTINATIONS);
  for (const d of dests) {
    const m = { ...base, ...destinationMatch(prompt, d, answer.scope) };
    const key = JSON.stringify(m);
    if (!seen.has(key)) {
      seen.add(key);
      matches.push(m);
    }
  }
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
