// A rule in one line, as a person reads it: who, what, where, for how long. The rule's
// match is the rule schema's (@sockgate/decision-engine), read here as plain JSON.

import type { ApiRule, Owner } from "@sockgate/protocol/client";
import { printable } from "./text.js";

type Match = Record<string, unknown>;

function list(v: unknown): string {
  if (!Array.isArray(v)) return printable(String(v));
  return v.map((x) => (typeof x === "object" && x !== null && "from" in x ? `${(x as { from: number }).from}-${(x as { to: number }).to}` : printable(String(x)))).join(",");
}

/** Who the rule is about: the program, by the narrowest name it has. */
export function ruleSubject(m: Match): string {
  const parts: string[] = [];
  if (typeof m.exe === "string") parts.push(printable(m.exe));
  else if (typeof m.exeGlob === "string") parts.push(`${printable(m.exeGlob)} (glob)`);
  else if (typeof m.sha256 === "string") parts.push(`sha256 ${m.sha256.slice(0, 12)}…`);
  else if (m.exeId !== undefined) parts.push(`inode ${(m.exeId as { ino: number }).ino}`);
  else if (m.noExe === true) parts.push("(no executable)");
  const appId = m.appId as { kind: string; id: string } | undefined;
  if (appId !== undefined) parts.push(`${appId.kind} ${printable(appId.id)}`);
  if (Array.isArray(m.argv)) parts.push(`argv "${printable(m.argv.join(" "))}"`);
  if (typeof m.cmdline === "string") parts.push(`cmdline "${printable(m.cmdline)}"`);
  if (m.user !== undefined) parts.push(`user ${printable(String(m.user))}`);
  if (typeof m.parentExe === "string") parts.push(`parent ${printable(m.parentExe)}`);
  return parts.length > 0 ? parts.join(" ") : "any program";
}

/** What and where: "connect tcp to svc.example.org,10.0.0.2 port 443". */
export function ruleTarget(m: Match): string {
  const parts: string[] = [];
  parts.push(m.operation === undefined ? "any operation" : list(m.operation));
  if (m.protocol !== undefined) parts.push(list(m.protocol));
  if (typeof m.family === "string") parts.push(m.family);
  const where: string[] = [];
  if (m.remoteHost !== undefined) where.push(list(m.remoteHost));
  if (m.remoteAddress !== undefined) where.push(list(m.remoteAddress));
  if (m.list !== undefined) where.push(`list ${list(m.list)}`);
  if (where.length > 0) parts.push(`to ${where.join(",")}`);
  if (m.remotePort !== undefined) parts.push(`port ${list(m.remotePort)}`);
  if (m.localPort !== undefined) parts.push(`local port ${list(m.localPort)}`);
  if (where.length === 0 && m.remotePort === undefined && m.localPort === undefined) parts.push("anywhere");
  return parts.join(" ");
}

export function ruleDuration(d: { kind: string; minutes?: number }, createdAt?: number, now = Date.now()): string {
  switch (d.kind) {
    case "once":
      return "once";
    case "process":
      return "until the program quits";
    case "reboot":
      return "until reboot";
    case "forever":
      return "forever";
    case "minutes": {
      if (createdAt === undefined || d.minutes === undefined) return `${d.minutes ?? "?"} minutes`;
      const left = Math.max(0, Math.ceil((createdAt + d.minutes * 60_000 - now) / 60_000));
      return `${d.minutes} minutes (${left} left)`;
    }
    default:
      return d.kind;
  }
}

/** "allow /usr/bin/curl connect tcp to 10.0.0.2 port 8080, forever". */
export function ruleSummary(rule: ApiRule, now = Date.now()): string {
  const m = rule.match as Match;
  return `${rule.action} ${ruleSubject(m)} ${ruleTarget(m)}, ${ruleDuration(rule.duration as { kind: string; minutes?: number }, rule.createdAt, now)}`;
}

/** "you", "system", "uid 1001": whose rule, from the viewer's side. */
export function ownerLabel(owner: Owner, viewerUid: number): string {
  if (owner.kind === "system") return "system";
  return owner.uid === viewerUid ? "you" : `uid ${owner.uid}`;
}
