// `sockgate answer ID allow forever host`: the words after the id, in any order after the
// action, or --scope/--duration, become an answer. Defaults: this host and port, once.

import { ANSWER_SCOPES } from "@sockgate/protocol/client";
import type { AnswerDuration, AnswerScope, PromptAnswer } from "@sockgate/protocol/client";
import { CliError } from "./exit-codes.js";

const SCOPE_WORDS: Record<string, AnswerScope> = { "host-port": "host-port", hostport: "host-port", host: "host", domain: "domain", any: "any" };
const DURATION_WORDS: Record<string, AnswerDuration> = { once: "once", process: "process", "until-quit": "process", reboot: "reboot", forever: "forever" };

/** "once", "process", "reboot", "forever", "15m", "2h": an answer's duration; undefined when it is none. */
export function parseDuration(word: string): AnswerDuration | undefined {
  const w = word.toLowerCase();
  if (w in DURATION_WORDS) return DURATION_WORDS[w];
  const m = /^(\d+)\s*(m|min|minutes?|h|hours?)$/.exec(w);
  if (m === null) return undefined;
  const minutes = Number(m[1]) * (m[2]!.startsWith("h") ? 60 : 1);
  return minutes >= 1 ? { minutes } : undefined;
}

export function parseAnswer(action: string, words: readonly string[], options: { scope?: string; duration?: string } = {}): PromptAnswer {
  const a = action.toLowerCase();
  if (a !== "allow" && a !== "deny") throw new CliError(`the answer must start with allow or deny, got ${JSON.stringify(action)}`);
  let scope: AnswerScope | undefined;
  let duration: AnswerDuration | undefined;
  const take = (word: string, from: string): void => {
    const s = SCOPE_WORDS[word.toLowerCase()];
    const d = parseDuration(word);
    if (s !== undefined && from !== "duration") {
      if (scope !== undefined && scope !== s) throw new CliError(`two scopes given: ${scope} and ${s}`);
      scope = s;
    } else if (d !== undefined && from !== "scope") {
      if (duration !== undefined && JSON.stringify(duration) !== JSON.stringify(d)) throw new CliError(`two durations given: ${JSON.stringify(duration)} and ${JSON.stringify(d)}`);
      duration = d;
    } else {
      const expected = from === "scope" ? `a scope (${ANSWER_SCOPES.join(", ")})` : from === "duration" ? "a duration (once, process, 15m, reboot, forever)" : `a scope (${ANSWER_SCOPES.join(", ")}) or a duration (once, process, 15m, reboot, forever)`;
      throw new CliError(`expected ${expected}, got ${JSON.stringify(word)}`);
    }
  };
  for (const w of words) take(w, "word");
  if (options.scope !== undefined) take(options.scope, "scope");
  if (options.duration !== undefined) take(options.duration, "duration");
  return { action: a, scope: scope ?? "host-port", duration: duration ?? "once" };
}
