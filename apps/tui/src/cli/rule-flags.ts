// `sockgate rules add allow --exe /usr/bin/curl --host example.org --port 443`: flags to a
// rule of the rule schema. The daemon validates it and names the field it refuses.

import { readFileSync } from "node:fs";
import type { RuleInput } from "@sockgate/protocol/client";
import { CliError } from "./exit-codes.js";

export interface RuleFlags {
  exe?: string;
  exeGlob?: string;
  user?: string;
  op?: string;
  proto?: string;
  host?: string;
  addr?: string;
  port?: string;
  localPort?: string;
  duration?: string;
  priority?: string;
  note?: string;
  id?: string;
  system?: boolean;
}

const list = (v: string): string[] =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

/** "443,8000-8080" -> [443, {from: 8000, to: 8080}]; the daemon checks the range. */
export function parsePorts(flag: string, v: string): (number | { from: number; to: number })[] {
  return list(v).map((p) => {
    const range = /^(\d+)-(\d+)$/.exec(p);
    if (range) return { from: Number(range[1]), to: Number(range[2]) };
    if (!/^\d+$/.test(p)) throw new CliError(`${flag}: expected ports like 443 or 8000-8080, got ${JSON.stringify(p)}`);
    return Number(p);
  });
}

export function bootId(): string {
  return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
}

/** "forever", "reboot", "15m", "2h" -> the rule's duration. */
export function ruleDuration(v: string | undefined, now: number, boot: () => string = bootId): { duration: Record<string, unknown>; createdAt?: number } {
  const w = (v ?? "forever").toLowerCase();
  if (w === "forever") return { duration: { kind: "forever" } };
  if (w === "reboot") return { duration: { kind: "reboot", bootId: boot() } };
  const m = /^(\d+)\s*(m|min|minutes?|h|hours?)$/.exec(w);
  if (m === null) throw new CliError(`--duration: expected forever, reboot, or minutes/hours like 15m or 2h; got ${JSON.stringify(v)}`);
  return { duration: { kind: "minutes", minutes: Number(m[1]) * (m[2]!.startsWith("h") ? 60 : 1) }, createdAt: now };
}

export function ruleFromFlags(action: string, f: RuleFlags, now = Date.now(), boot: () => string = bootId): RuleInput {
  const match: Record<string, unknown> = {};
  if (f.exe !== undefined) match.exe = f.exe;
  if (f.exeGlob !== undefined) match.exeGlob = f.exeGlob;
  if (f.user !== undefined) match.user = /^\d+$/.test(f.user) ? Number(f.user) : f.user;
  if (f.op !== undefined) match.operation = list(f.op);
  if (f.proto !== undefined) match.protocol = list(f.proto);
  if (f.host !== undefined) match.remoteHost = list(f.host);
  if (f.addr !== undefined) match.remoteAddress = list(f.addr);
  if (f.port !== undefined) match.remotePort = parsePorts("--port", f.port);
  if (f.localPort !== undefined) match.localPort = parsePorts("--local-port", f.localPort);
  const { duration, createdAt } = ruleDuration(f.duration, now, boot);
  const rule: RuleInput = { schemaVersion: 1, action, duration, match };
  if (createdAt !== undefined) rule.createdAt = createdAt;
  if (f.priority !== undefined) {
    if (!/^\d+$/.test(f.priority)) throw new CliError(`--priority: expected a whole number 0-1023, got ${JSON.stringify(f.priority)}`);
    rule.priority = Number(f.priority);
  }
  if (f.note !== undefined) rule.note = f.note;
  if (f.id !== undefined) rule.id = f.id;
  if (f.system) rule.owner = { kind: "system" };
  return rule;
}

/** A whole rule as JSON (--rule TEXT, or --file PATH / - for stdin). */
export function ruleFromJson(text: string, where: string): RuleInput {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${where}: not JSON (${(err as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new CliError(`${where}: expected one rule (a JSON object)`);
  return { schemaVersion: 1, ...(v as RuleInput) };
}
