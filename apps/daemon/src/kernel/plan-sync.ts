// Keeps the kernel's verdict map equal to what the engine says the kernel can express
// (kernelVerdicts): after every rule change, and when an executable named by a rule is
// replaced, the plan is made again and only the difference is written. An allow that is
// withdrawn, and a deny that is new, end the sockets they concern (endSockets), so a
// connection never outlives the permission it was made under.

import { realpathSync, statSync } from "node:fs";
import { abi } from "@sockgate/protocol";
import type { Engine } from "@sockgate/decision-engine";
import { diffKernelVerdicts, kernelVerdictKeyString, kernelVerdicts } from "@sockgate/decision-engine/kernel";
import type { ExecutableIdentity, KernelVerdict, KernelVerdictKey } from "@sockgate/decision-engine/kernel";
import { identityOf } from "@sockgate/kernel-shim";
import type { Shim, VerdictKey } from "@sockgate/kernel-shim";
import type { Logger } from "../log/logger.js";

export interface PlanSyncDeps {
  shim: Shim;
  engine: Engine;
  /** uids a system rule with no user is written for, each under its own uid. */
  uids: () => readonly number[];
  /** The shim has the any-user layer: system rules are also written there, for everyone else. */
  anyUser: () => boolean;
  tagOf: (ruleId: string) => number;
  /** Namespaces whose sockets are ended ("" for the daemon's own). */
  netnsPaths: () => string[];
  log: Logger;
}

export interface PlanStatus {
  entries: number;
  notExpressed: { ruleId: string; why: string }[];
  replans: number;
  writeFailures: number;
}

export interface PlanSync {
  /** Plans again at the end of this turn (coalescing bursts of changes). */
  schedule(reason: string): void;
  /** Plans now; returns what was written. */
  replan(reason: string): { upserted: number; withdrawn: number };
  status(): PlanStatus;
  /** Rule id of a kernel tag (for events and counters the kernel answered). */
  ruleOfTag(tag: number): string | undefined;
  /** Executable paths the rules name (to watch for replacement). */
  executables(): string[];
  /** The path a kernel identity belongs to, when a planned entry names it. */
  exeOf(exeDev: number, exeIno: bigint): string | undefined;
  /** Paths of planned entries whose file is not the one the entries name any more (replaced, or gone). */
  changedExecutables(): string[];
  stop(): void;
}

/** stat() for kernelVerdicts: the file's kernel identity, its real path and link count. */
export function resolveExe(path: string): ExecutableIdentity | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile()) return undefined;
    const id: { exeDev: number; exeIno: bigint; exeGeneration?: number } = identityOf(path);
    return {
      dev: id.exeDev,
      ino: Number(id.exeIno),
      realPath: realpathSync(path),
      links: st.nlink,
      ...(id.exeGeneration !== undefined ? { generation: id.exeGeneration } : {}),
    };
  } catch {
    return undefined;
  }
}

/** A uid no process has (the kernel's overflow uid is 65534; -1 is never a real uid): stands for "any" while planning. */
const ANY_STANDIN = 0xffff_fffe;

export function toShimKey(k: KernelVerdictKey): VerdictKey {
  return {
    exeDev: k.exeDev,
    exeIno: BigInt(k.exeIno),
    uid: k.uid,
    op: k.op,
    proto: k.proto,
    ...((k.layer & abi.LAYER_ADDR) !== 0 && k.addr !== null ? { addr: k.addr } : {}),
    ...((k.layer & abi.LAYER_PORT) !== 0 ? { port: k.port } : {}),
  };
}

const shimKeyId = (k: VerdictKey): string => `${k.exeDev}/${k.exeIno}/${k.uid}/${k.op}/${k.proto}/${k.addr ?? ""}/${k.port ?? ""}`;

export function startPlanSync(d: PlanSyncDeps): PlanSync {
  let installed: KernelVerdict[] = [];
  let notExpressed: PlanStatus["notExpressed"] = [];
  let replans = 0;
  let writeFailures = 0;
  let scheduled: NodeJS.Immediate | undefined;
  const tags = new Map<number, string>();
  const exes = new Map<string, string>();

  function plan(): KernelVerdict[] {
    const compiled = d.engine.compiled();
    const now = Date.now();
    const uids = d.uids();
    const p = kernelVerdicts(compiled, { now, resolveExe, uids, tagOf: d.tagOf });
    notExpressed = p.notExpressed;
    if (!d.anyUser()) return p.entries;
    // System rules for every user also go to the kernel's any-user layer, so ungoverned
    // processes meet them too. The shim looks that layer up after each uid's own, so for a
    // governed user the any entry decides only where that user has no entry of their own:
    // exact only when the rule was planned completely for every governed uid (no user rule
    // of theirs above it was left to user space). The engine's plan knows no "any user",
    // so it plans once more for a uid no one has and the entries are moved to "any".
    const gaps = new Set(p.notExpressed.map((n) => n.ruleId));
    const everyone = kernelVerdicts(compiled, { now, resolveExe, uids: [ANY_STANDIN], tagOf: d.tagOf });
    const any = everyone.entries
      .filter((e) => e.key.uid === ANY_STANDIN && (uids.length === 0 || !gaps.has(e.ruleId)) && d.engine.rules.get(e.ruleId)?.owner.kind === "system")
      .map((e) => ({ ...e, key: { ...e.key, uid: "any" as unknown as number } }));
    if (uids.length === 0) notExpressed = everyone.notExpressed.filter((n) => d.engine.rules.get(n.ruleId)?.owner.kind === "system");
    return [...p.entries, ...any];
  }

  function endFor(keys: KernelVerdictKey[]): void {
    if (keys.length === 0) return;
    const seen = new Set<string>();
    const idents = [];
    for (const k of keys) {
      const id = `${k.exeDev}/${k.exeIno}/${k.uid}`;
      if (seen.has(id)) continue;
      seen.add(id);
      // an any-user entry ends the sockets of every uid
      idents.push({ exeDev: k.exeDev, exeIno: BigInt(k.exeIno), ...((k.uid as unknown) === "any" ? {} : { uid: k.uid }) });
    }
    try {
      const n = d.shim.endSockets({ idents }, d.netnsPaths());
      if (n > 0) d.log.info({ sockets: n }, "ended sockets whose allow was withdrawn or that a new deny covers");
    } catch (err) {
      d.log.warn({ err: (err as Error).message }, "ending sockets after a rule change failed (bpf_sock_destroy needs Linux 6.5)");
    }
  }

  function replan(reason: string): { upserted: number; withdrawn: number } {
    const next = plan();
    const { upsert, withdraw } = diffKernelVerdicts(installed, next);
    const failed = new Set<string>();
    for (const e of upsert) {
      try {
        d.shim.setVerdict(toShimKey(e.key), {
          verdict: e.verdict,
          tag: e.tag,
          ...(e.expiresAt !== null ? { expiresAt: e.expiresAt } : {}),
          ...(e.exeGeneration !== 0 ? { exeGeneration: e.exeGeneration } : {}),
        });
      } catch (err) {
        // a full map: the call keeps meeting user space, which decides it the same way
        writeFailures++;
        failed.add(kernelVerdictKeyString(e.key));
        d.log.warn({ rule: e.ruleId, err: (err as Error).message }, "a kernel verdict could not be written; user space answers those calls");
      }
    }
    for (const k of withdraw) d.shim.deleteVerdict(toShimKey(k));
    const before = new Map(installed.map((e) => [kernelVerdictKeyString(e.key), e]));
    installed = next.filter((e) => !failed.has(kernelVerdictKeyString(e.key)));
    tags.clear();
    exes.clear();
    for (const e of installed) {
      tags.set(e.tag, e.ruleId);
      const exe = d.engine.rules.get(e.ruleId)?.match.exe;
      if (exe !== undefined) exes.set(`${e.key.exeDev}/${e.key.exeIno}`, exe);
    }
    // Withdrawn allows and changed-to-deny entries can leave sockets that nothing allows now.
    const ending = [
      ...withdraw.filter((k) => before.get(kernelVerdictKeyString(k))?.verdict === "allow"),
      ...upsert.filter((e) => e.verdict === "deny" && before.get(kernelVerdictKeyString(e.key))?.verdict !== "deny").map((e) => e.key),
    ];
    endFor(ending);
    replans++;
    if (upsert.length + withdraw.length > 0) d.log.info({ reason, upserted: upsert.length, withdrawn: withdraw.length, entries: installed.length }, "kernel verdicts re-planned");
    return { upserted: upsert.length, withdrawn: withdraw.length };
  }

  // At start the map holds what the last daemon left (its plan, and per-flow identity
  // entries): the first plan keeps what is still right and removes the rest.
  function adopt(): void {
    const planned = plan();
    const keep = new Set(planned.map((e) => shimKeyId(toShimKey(e.key))));
    let removed = 0;
    for (const { key } of d.shim.listVerdicts()) {
      if (!keep.has(shimKeyId(key))) {
        d.shim.deleteVerdict(key);
        removed++;
      }
    }
    installed = [];
    replan("start");
    if (removed > 0) d.log.info({ removed }, "removed kernel verdicts the rules no longer give");
  }

  adopt();
  const off = d.engine.on("rules", () => schedule("rules changed"));

  function schedule(reason: string): void {
    if (scheduled !== undefined) return;
    scheduled = setImmediate(() => {
      scheduled = undefined;
      try {
        replan(reason);
      } catch (err) {
        d.log.error({ err: (err as Error).message }, "re-planning kernel verdicts failed");
      }
    });
  }

  return {
    schedule,
    replan,
    status: () => ({ entries: installed.length, notExpressed, replans, writeFailures }),
    ruleOfTag: (tag) => tags.get(tag),
    executables: () => [...new Set(d.engine.rules.list().flatMap((r) => (r.match.exe !== undefined ? [r.match.exe] : [])))],
    exeOf: (dev, ino) => exes.get(`${dev}/${ino}`),
    changedExecutables() {
      const changed = new Set<string>();
      for (const [id, path] of exes) {
        const now = resolveExe(path);
        if (now === undefined || `${now.dev}/${now.ino}` !== id) changed.add(path);
      }
      return [...changed];
    },
    stop() {
      off();
      if (scheduled !== undefined) clearImmediate(scheduled);
    },
  };
}
