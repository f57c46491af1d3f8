// Where `--profile NAME` is read from: NAME itself when it is a path, else the user's
// $XDG_CONFIG_HOME/sockgate/profiles/NAME.json (~/.config/...), else the administrator's
// /etc/sockgate/profiles/NAME.json. A profile is JSON:
//   { "rules": [ { "action": "allow", "match": { "operation": ["connect"], "remoteAddress": ["192.0.2.0/24"], "remotePort": [443] } } ],
//     "unmatched": "ask" | "deny" }
// Rules follow the rule schema; id, owner, schemaVersion and duration may be left out.
// An export document (format "sockgate-rules") works too.

import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import type { RunProfile } from "@sockgate/protocol/client";

export function profilePaths(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (name.includes("/")) return [name];
  const config = env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), ".config");
  return [join(config, "sockgate", "profiles", `${name}.json`), join("/etc/sockgate/profiles", `${name}.json`)];
}

export function loadProfile(name: string, env: NodeJS.ProcessEnv = process.env): RunProfile {
  const paths = profilePaths(name, env);
  const path = paths.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`profile ${name}: none of ${paths.join(", ")} exists`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`profile ${path}: ${(err as Error).message}`);
  }
  const d = doc as { rules?: unknown; unmatched?: unknown };
  if (typeof doc !== "object" || doc === null || !Array.isArray(d.rules)) throw new Error(`profile ${path}: expected an object with a "rules" list`);
  if (d.unmatched !== undefined && d.unmatched !== "ask" && d.unmatched !== "deny") throw new Error(`profile ${path}: "unmatched" must be "ask" or "deny", found ${JSON.stringify(d.unmatched)}`);
  return { name: name.includes("/") ? basename(name, ".json") : name, rules: d.rules as RunProfile["rules"], ...(d.unmatched ? { unmatched: d.unmatched } : {}) };
}
