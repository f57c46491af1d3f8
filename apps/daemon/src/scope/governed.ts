// Who is governed: by default the human users (uid >= UID_MIN of /etc/login.defs, except
// nobody) and, whatever the uid, processes in the configured cgroups (the sockgate shell's).
// The kernel enforces it once the shim offers setScope; until then this predicate is the
// daemon's own check, so an ungoverned process's unknown call is allowed at once.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { AppIdentity } from "@sockgate/protocol";
import type { DaemonConfig } from "../config/types.js";

export interface PasswdUser {
  name: string;
  uid: number;
}

export function readPasswd(text = readFileSync("/etc/passwd", "utf8")): PasswdUser[] {
  const out: PasswdUser[] = [];
  for (const line of text.split("\n")) {
    const [name, , uid] = line.split(":");
    if (name && uid !== undefined && /^\d+$/.test(uid)) out.push({ name, uid: Number(uid) });
  }
  return out;
}

/** UID_MIN and UID_MAX of login.defs (defaults 1000 and 60000, as shadow's). */
export function uidRange(text?: string): { min: number; max: number } {
  let defs = text;
  if (defs === undefined) {
    try {
      defs = readFileSync("/etc/login.defs", "utf8");
    } catch {
      defs = "";
    }
  }
  const value = (key: string, dflt: number): number => {
    const m = new RegExp(`^\\s*${key}\\s+(\\d+)`, "m").exec(defs!);
    return m ? Number(m[1]) : dflt;
  };
  return { min: value("UID_MIN", 1000), max: value("UID_MAX", 60000) };
}

export interface GovernedScope {
  /** Governed uids now (the "human" rule is applied to /etc/passwd when the scope is made). */
  uids: ReadonlySet<number>;
  /** cgroup v2 paths (below the mount) governed whatever the uid. */
  cgroups: readonly string[];
  /** One line for status: "human users (uid 1000-60000, except nobody): 3" or the list. */
  describe: string;
  /** Whether a request's process is governed. */
  governs(app: Pick<AppIdentity, "uid" | "cgroupPath">): boolean;
}

export function governedScope(config: DaemonConfig["governed"], passwd: PasswdUser[] = readPasswd(), range = uidRange()): GovernedScope {
  const uids = new Set<number>();
  let describe: string;
  if (config.users === "human") {
    // nobody has uid 65534, above UID_MAX on Debian; checked by name as well, wherever it sits
    for (const u of passwd) if (u.uid >= range.min && u.uid <= range.max && u.name !== "nobody") uids.add(u.uid);
    describe = `human users (uid ${range.min}-${range.max}, except nobody): ${uids.size}`;
  } else {
    for (const u of config.users) {
      if (typeof u === "number") uids.add(u);
      else {
        const found = passwd.find((p) => p.name === u);
        if (found) uids.add(found.uid);
      }
    }
    describe = `uids ${[...uids].sort((a, b) => a - b).join(", ") || "(none)"}`;
  }
  const cgroups = config.cgroups.map((c) => c.replace(/\/+$/, ""));
  const inCgroup = (path: string | undefined): boolean => path !== undefined && cgroups.some((c) => path === c || path.startsWith(`${c}/`));
  return { uids, cgroups, describe, governs: (app) => uids.has(app.uid) || inCgroup(app.cgroupPath) };
}

/** cgroup ids (the directory inodes) of governed cgroups that exist below `mount`. */
export function cgroupIds(mount: string, paths: readonly string[]): bigint[] {
  const out: bigint[] = [];
  for (const p of paths) {
    try {
      out.push(statSync(join(mount, p), { bigint: true }).ino);
    } catch {
      // not made yet: `sockgate shell` makes it, and a SIGHUP picks it up
    }
  }
  return out;
}
