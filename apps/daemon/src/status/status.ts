// What `sockgate status` shows (the API's Status method): the kernel's counters, held flows
// and prompts, queue drops, map usage, the governed scope and what system rules cannot
// enforce outside it, what applies on each failure path, and the kernel features found.

import { release } from "node:os";
import type { Hold, Shim } from "@sockgate/kernel-shim";
import type { Status } from "@sockgate/protocol/client";
import type { DaemonConfig } from "../config/types.js";
import type { PlanStatus } from "../kernel/plan-sync.js";
import type { GovernedScope } from "../scope/governed.js";
import type { KernelSeams } from "../kernel/seams.js";

export interface StatusDeps {
  version: string;
  startedAt: number;
  shim: Shim;
  hold: Hold | undefined;
  config: () => DaemonConfig;
  scope: () => GovernedScope;
  pendingPrompts: () => number;
  plan: () => PlanStatus;
  /** Rules that have something the kernel cannot express, with why (system rules only). */
  systemRuleGaps: () => string[];
  seams: KernelSeams;
  maxVerdicts: number;
  maxPending: number;
}

export function kernelAtLeast(major: number, minor: number, text = release()): boolean {
  const [a = 0, b = 0] = text.split(".").map((n) => parseInt(n, 10));
  return a > major || (a === major && b >= minor);
}

const numbers = (o: Record<string, Record<string, bigint>>): Record<string, Record<string, number>> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([c, n]) => [c, Number(n)]))]));

export function buildStatus(d: StatusDeps): Omit<Status, "api"> {
  const c = d.config();
  const hold = d.hold?.status();
  const queueDrops = hold?.namespaces.reduce((n, s) => n + (s.queue?.queueDropped ?? 0) + (s.queue?.userDropped ?? 0), 0) ?? 0;
  const scope = d.scope();
  const gaps = d.systemRuleGaps();
  return {
    daemon: { version: d.version, pid: process.pid, startedAt: d.startedAt },
    prompts: { pending: d.pendingPrompts() },
    flows: { pending: hold?.flows ?? d.shim.pendingFlows().length, queueDrops },
    maps: {
      verdicts: { used: d.shim.listVerdicts().length, capacity: d.maxVerdicts },
      pending: { used: d.shim.pendingFlows().length, capacity: d.maxPending },
      planned: { used: d.plan().entries, capacity: d.maxVerdicts },
    },
    counters: numbers(d.shim.counters() as unknown as Record<string, Record<string, bigint>>),
    governed: {
      users: `${scope.describe}${d.seams.setScope ? " (enforced in the kernel)" : " (checked by the daemon: the kernel has no scope yet)"}`,
      cgroups: [...scope.cgroups],
      ...(gaps.length > 0 ? { notes: gaps.map((g) => `not enforced on ungoverned processes: ${g}`) } : {}),
    },
    failure: {
      daemonStopped: "deny",
      daemonKilled: "deny",
      promptTimeout: c.prompts.timeoutAction,
      nobodyListening: c.prompts.nobodyListening,
      queueFull: "deny",
      pendingFull: "deny",
      ungovernedUnknown: "allow",
    },
    kernelFeatures: {
      hold: d.hold !== undefined,
      sockDestroy: d.shim.features.socketEnd.active,
      execIdentity: d.shim.features.execIdentity.active,
      peerPidfd: kernelAtLeast(6, 5),
      governedScope: d.seams.setScope,
      anyUserLayer: d.seams.anyUser,
      appCounters: d.seams.appCounters,
      dnsCapture: d.seams.onDns,
    },
  };
}
