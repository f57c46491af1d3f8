// A `sockgate run --profile NAME` profile: rules that decide one session's calls before the
// stored rules. They are the caller's own (any owner a file names is replaced by the
// caller), live only as long as the session, and are checked like any rule. Host names
// and lists are refused: a profile is decided without the engine's per-application DNS
// names, so such a rule could never match.

import { parseRule } from "@sockgate/decision-engine";
import type { Rule } from "@sockgate/decision-engine";
import { compileRules } from "@sockgate/decision-engine/match";
import { ApiError } from "@sockgate/protocol/client";
import type { RunProfile } from "@sockgate/protocol/client";
import type { RunProfileRules } from "./run-decide.js";

export function compileProfile(profile: RunProfile, uid: number, bootId: string): RunProfileRules {
  const rules: Rule[] = profile.rules.map((input, i) => {
    const { match } = input as { match?: Record<string, unknown> };
    if (match !== undefined && (match.remoteHost !== undefined || match.list !== undefined)) {
      throw new ApiError("io.sockgate.InvalidRule", `profile ${profile.name}: rule ${i + 1} names host names or lists, which a profile cannot match (it has addresses, ports, operations and programs only)`, {
        field: `profile.rules[${i}].match`,
      });
    }
    try {
      return parseRule({ schemaVersion: 1, duration: { kind: "forever" }, id: `profile-${profile.name}-${i + 1}`, ...input, owner: { kind: "user", uid } });
    } catch (err) {
      // "rule N" as the file counts them: the id parseRule names is made up here unless the file gave one
      const problem = (err as Error).message.replace(/^rule( "[^"]*")? is invalid: /, "");
      const id = (input as { id?: unknown }).id;
      const named = typeof id === "string" ? ` (${JSON.stringify(id)})` : "";
      throw new ApiError("io.sockgate.InvalidRule", `profile ${profile.name}: rule ${i + 1}${named} is invalid: ${problem}`, { field: `profile.rules[${i}]` });
    }
  });
  return { name: profile.name, compiled: compileRules(rules, { bootId }), unmatched: profile.unmatched ?? "ask" };
}
