// Wires the daemon: store and engine (rules), the shim and its hold (the kernel), the
// kernel plan, the decide seam, history, the API. Each part is started here and stopped in
// reverse; none reaches into another.

import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createEngine } from "@sockgate/decision-engine";
import type { Rule } from "@sockgate/decision-engine";
import { lineageIncludes, openHold, openShim } from "@sockgate/kernel-shim";
import type { Hold, HeldFlow, ShimConfig } from "@sockgate/kernel-shim";
import { openStore } from "@sockgate/store";
import type { Request } from "@sockgate/protocol";
import type { ActivityEntry } from "@sockgate/protocol/client";
import { start as startApi } from "./api/index.js";
import type { ApiServer } from "./api/index.js";
import { engineBackend } from "./backend/engine-backend.js";
import { cgroup2Root } from "./cgroup-root.js";
import type { DaemonArgs } from "./cli-args.js";
import type { DaemonConfig } from "./config/types.js";
import { engineDecide } from "./decide/engine-decide.js";
import { startProcessExits } from "./decide/process-exits.js";
import { systemResolvers } from "./dns/resolvers.js";
import { startEventSink } from "./events/event-sink.js";
import { startHoldService } from "./hold/hold-service.js";
import type { HoldService } from "./hold/hold-service.js";
import { forgetProcInfo } from "./hold/request-of-flow.js";
import { fixedDecide } from "./hold/verdict.js";
import type { Verdict } from "./hold/verdict.js";
import { startRecorder } from "./history/recorder.js";
import { startMemoryTrim } from "./memory-trim.js";
import { startExeWatch } from "./kernel/exe-watch.js";
import { startPlanSync } from "./kernel/plan-sync.js";
import { onDnsOf, seamsOf } from "./kernel/seams.js";
import { dnsNames } from "./dns/dns-answers.js";
import { dnsAppOf } from "./dns/dns-app.js";
import { startAppCounters } from "./history/app-counters.js";
import { tagRegistry } from "./kernel/tags.js";
import { holdLog } from "./log/logger.js";
import type { Logger } from "./log/logger.js";
import { defaultRules } from "./rules/default-rules.js";
import { openRuleBook } from "./rules/rule-book.js";
import { cgroupIds, governedScope } from "./scope/governed.js";
import type { GovernedScope } from "./scope/governed.js";
import { buildStatus } from "./status/status.js";
import { runCgroup } from "./run/daemon/run-cgroup.js";
import { startRunService } from "./run/daemon/run-service.js";

export const VERSION = "0.1.0";
const MAX_VERDICTS = 65536;
const MAX_PENDING = 8192;
const HOLDABLE = new Set(["connect", "send", "accept"]);
const KERNEL_OPS = ["socket", "bind", "listen", "connect", "send", "accept"] as const;

export interface Daemon {
  reload(config: DaemonConfig): void;
  status(): unknown;
  /** SIGTERM: the kernel keeps its verdicts; unknown calls of governed processes are denied until a daemon returns. */
  stop(signal: string): Promise<void>;
}

function bootId(): string {
  return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
}

function policy(unknown: DaemonArgs["unknown"]): ShimConfig["unknownPolicy"] {
  return Object.fromEntries(KERNEL_OPS.map((op) => [op, unknown === "hold" && !HOLDABLE.has(op) ? "allow" : unknown])) as ShimConfig["unknownPolicy"];
}

function activityOfFlow(flow: HeldFlow, v: Verdict, ruleOf: (tag: number) => string | undefined): ActivityEntry {
  const p = flow.pending;
  const addr = p.key.addr.startsWith("::ffff:") && p.key.addr.includes(".") ? p.key.addr.slice(7) : p.key.addr;
  return {
    at: Date.now(),
    uid: p.uid,
    exe: flow.event?.exePath ?? "",
    op: p.op,
    proto: p.key.proto,
    remoteAddr: addr,
    remotePort: p.op === "accept" ? null : p.key.port,
    localPort: p.localPort === 0 ? null : p.localPort,
    host: null,
    verdict: v.action,
    reason: v.reason,
    ruleId: v.tag !== undefined ? (ruleOf(v.tag) ?? null) : null,
    pid: p.tgid,
  };
}

/** How often the files rules name are compared with the plan, for changes inotify missed. */
const EXE_CHECK_MS = 5000;

export async function startDaemon(initial: DaemonConfig, args: DaemonArgs, log: Logger): Promise<Daemon> {
  let config = initial;
  const startedAt = Date.now();
  const cgroupMount = cgroup2Root();
  const cgroupPath = config.cgroup ?? cgroupMount;

  // --- rules: the store is the truth, the engine decides with its enabled rules
  mkdirSync(dirname(config.store.path), { recursive: true, mode: 0o700 });
  const store = openStore({
    path: config.store.path,
    retention: { maxRows: config.store.historyMaxRows, maxAgeMs: config.store.historyMaxAgeDays * 24 * 3600_000 },
    onSkippedRule: (s) => log.warn({ rule: s.id, owner: s.owner, err: s.error.message }, "a stored rule no longer validates and is left out"),
  });
  if (store.migratedFrom === 0 && config.defaultRules) {
    const rules = defaultRules(config.dns.resolvers ?? systemResolvers());
    for (const r of rules) store.rules.put(r);
    log.info({ rules: rules.map((r) => r.id) }, "new store: default system rules written (list, edit or remove them like any rule)");
  }
  const engine = createEngine({
    bootId: bootId(),
    prompts: {
      timeoutMs: config.prompts.timeoutMs,
      defaultAction: config.prompts.timeoutAction,
      perAppLimit: config.prompts.perAppLimit,
      windowMs: config.prompts.windowMs,
      maxPendingPerUser: config.prompts.maxPendingPerUser,
    },
  });
  const book = openRuleBook(store, engine, log.child({ component: "rules" }));
  log.info({ rules: engine.rules.list().length, store: config.store.path }, "rules loaded");

  // --- the kernel
  const shim = openShim({
    cgroupPath,
    pinDir: config.pinDir,
    maxVerdicts: MAX_VERDICTS,
    maxPending: MAX_PENDING,
    // holding starts only once the chains and readers are up: until then the old policy stays
    config: { reportAllows: args.reportAllows, ...(args.unknown === "hold" ? {} : { unknownPolicy: policy(args.unknown) }) },
  });
  const seams = seamsOf(shim);
  log.info(
    { pinDir: config.pinDir, cgroup: cgroupPath, adopted: shim.adopted, seams, features: shim.features },
    `shim ${shim.adopted ? "re-adopted" : "loaded and pinned"}; identities ${shim.features.execIdentity.active ? "recorded at exec" : "read at each call"}`,
  );
  // another version's pins: their maps were moved to this version's definitions
  if (shim.migrated) log.info({ migrated: shim.migrated }, "pinned maps of another version migrated");
  // What this kernel cannot do, said once at start and kept in Status (kernelFeatures)
  if (!shim.features.execIdentity.active) log.warn(`exec-time identities are off: ${shim.features.execIdentity.reason}; a process can change the executable it is judged as (prctl PR_SET_MM)`);
  if (!shim.features.socketEnd.active) log.warn(`ending sockets is off: ${shim.features.socketEnd.reason}`);

  // sockgate run moves the commands of users who are not governed into this cgroup, which is.
  const runGroup = runCgroup(cgroupMount, cgroupPath, () => applyScope());
  const governedOf = (c: DaemonConfig): DaemonConfig["governed"] => ({ ...c.governed, cgroups: [...c.governed.cgroups, runGroup.path] });
  let scope: GovernedScope = governedScope(governedOf(config));
  // Governed cgroups are made when missing (the sockgate shell joins /sockgate.shell), so
  // the kernel knows their ids from the start.
  for (const c of config.governed.cgroups) mkdirSync(join(cgroupMount, c), { recursive: true });
  const ownCgroup = readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => l.startsWith("0::"))?.slice(3) ?? "/";
  const applyScope = (): void => {
    scope = governedScope(governedOf(config));
    // The daemon's own cgroup is exempt (the root cgroup is never walked by the kernel).
    const exempt = ownCgroup === "/" ? [] : cgroupIds(cgroupMount, [ownCgroup]);
    shim.setScope({ uids: [...scope.uids], cgroupIds: cgroupIds(cgroupMount, scope.cgroups), exemptCgroupIds: exempt });
    shim.setConfig({ scopeEnabled: true });
    log.info({ governed: scope.describe, cgroups: scope.cgroups, exempt: ownCgroup === "/" ? [] : [ownCgroup] }, "governed scope (enforced in the kernel)");
  };
  applyScope();

  const tags = tagRegistry();
  let hold: Hold | undefined;
  const holdPaths = (): string[] => (hold?.status().namespaces ?? [{ netnsPath: undefined }]).map((n) => n.netnsPath ?? "");
  const plan = startPlanSync({
    shim,
    engine,
    uids: () => [...scope.uids],
    anyUser: () => seams.anyUser,
    tagOf: tags.tagOf,
    netnsPaths: holdPaths,
    log: log.child({ component: "kernel" }),
  });
  const replaced = (path: string): void => {
    log.info({ exe: path }, "an executable named by a rule changed on disk: re-planning its kernel verdicts");
    forgetProcInfo();
    plan.schedule(`${path} replaced`);
  };
  const exeWatch = startExeWatch(replaced, (text) => log.warn(text));
  // inotify can miss a change: one made before a new rule's directory is watched, or
  // dropped when its queue overflows (fs.watch does not say). The planned files are
  // compared with what is on disk after each rule change and every few seconds.
  const checkReplaced = (): void => {
    for (const path of plan.changedExecutables()) replaced(path);
  };
  exeWatch.update(plan.executables());
  engine.on("rules", () =>
    setImmediate(() => {
      exeWatch.update(plan.executables());
      checkReplaced();
    }),
  );
  const replacedCheck = setInterval(checkReplaced, EXE_CHECK_MS);
  replacedCheck.unref();
  const exits = startProcessExits(engine);

  const recorder = startRecorder(
    { path: config.store.path, maxRows: config.store.historyMaxRows, maxAgeMs: config.store.historyMaxAgeDays * 24 * 3600_000 },
    log.child({ component: "history" }),
  );
  const counters = startAppCounters({ shim, exeOf: plan.exeOf, record: recorder.record, intervalMs: config.countersIntervalMs });
  const memoryTrim = startMemoryTrim({ onProblem: (m) => log.warn(m) });
  let pendingPrompts = 0;
  engine.prompts.on("raised", () => pendingPrompts++);
  engine.prompts.on("settled", () => pendingPrompts--);

  const ruleNotes = (rule: Rule): string[] => {
    const gaps = plan.status().notExpressed.filter((n) => n.ruleId === rule.id);
    if (gaps.length === 0) return [];
    return gaps.map((g) => (rule.owner.kind === "system" ? `not enforced on ungoverned processes (answered in user space for governed ones): ${g.why}` : `answered in user space, not by the kernel: ${g.why}`));
  };
  const systemRuleGaps = (): string[] =>
    plan
      .status()
      .notExpressed.filter((n) => engine.rules.get(n.ruleId)?.owner.kind === "system")
      .map((n) => `${n.ruleId}: ${n.why}`);

  let holdService: HoldService | undefined;
  const status = () =>
    buildStatus({
      version: VERSION,
      startedAt,
      shim,
      hold,
      config: () => config,
      scope: () => scope,
      pendingPrompts: () => pendingPrompts,
      plan: () => plan.status(),
      systemRuleGaps,
      seams,
      maxVerdicts: MAX_VERDICTS,
      maxPending: MAX_PENDING,
    });

  const onAsked = (request: Request, promptId: string, listened: boolean): void =>
    log.info({ prompt: promptId, uid: request.app.uid, exe: request.app.exePath, op: request.operation, addr: request.remote?.address, port: request.remote?.port ?? request.local?.port, listened }, listened ? "asked" : "asked, nobody listening");
  // --- sockgate run: its sessions and calls come through the API
  // (calls come through the API, so `api` below exists by the time this is asked)
  const listening = (uid: number): boolean => api.hasPromptSubscriber(uid);
  const run = startRunService({
    engine,
    shim,
    scope: () => scope,
    cgroup: runGroup,
    cgroupMount,
    listening,
    nobodyListening: () => config.prompts.nobodyListening,
    onAsked,
    log: log.child({ component: "run" }),
  });

  // --- the API
  const api: ApiServer = await startApi({
    backend: engineBackend({ engine, book, store, recorder, timeoutAction: () => config.prompts.timeoutAction, ruleNotes, status }),
    run,
    socketPath: config.api.socket,
    adminGroup: config.api.adminGroup,
    answerExecutables: config.api.answerExecutables ?? undefined,
    descendsFrom: (answerer, pid, ticks) => {
      const lineage = shim.lineageOf(answerer);
      return lineage === undefined ? undefined : lineageIncludes(lineage, pid, ticks);
    },
    serverVersion: VERSION,
    log: log.child({ component: "api" }),
  });

  // --- deciding
  // The kernel's questions about calls sockgate run allowed are answered as they were.
  const decide = run.decideFirst(
    args.answer
      ? fixedDecide(args.answer)
      : engineDecide({ engine, scope: () => scope, listening, nobodyListening: () => config.prompts.nobodyListening, tagOf: tags.tagOf, onAsked }),
  );
  // Host names: DNS answers the shim captures for governed applications (when it can).
  const resolverSet = (): Set<string> => new Set((config.dns.resolvers ?? systemResolvers()).map((a) => (a.startsWith("::ffff:") ? a.slice(7) : a)));
  let believed = resolverSet();
  const dns = dnsNames({ engine, resolvers: () => believed, appOf: dnsAppOf, onProblem: (t) => log.warn(t) });
  const onDns = onDnsOf(shim);
  // Answers are captured in the daemon's own namespace and where it holds, never in one a
  // process made for itself (where it could answer itself from the resolver's address).
  if (onDns !== undefined) shim.trustDnsIn();
  const offDns = onDns?.((r) => dns.feed(r));
  if (onDns === undefined) log.info("the shim does not capture DNS answers: prompts and rules see addresses only");
  const events = startEventSink({ shim, decide, record: recorder.record, ruleOfTag: (t) => plan.ruleOfTag(t) ?? tags.ruleOf(t), log, logAllows: config.log.decidedAllows });

  if (args.unknown === "hold") {
    const namespaces: Array<{ netnsPath?: string }> = config.hold.namespaces.length > 0 ? config.hold.namespaces.map((netnsPath) => ({ netnsPath })) : [{}];
    hold = await openHold(shim, { namespaces, queueNum: config.hold.queueNum, onProblem: (p) => log.warn({ component: "hold" }, p) });
    const paths = new Map(hold.status().namespaces.map((n) => [n.netnsCookie, n.netnsPath ?? ""]));
    holdService = startHoldService({
      shim,
      hold,
      decide,
      // the engine's prompt timeout settles first; this only catches a decider that never answers
      timeoutMs: config.prompts.timeoutMs + 5000,
      timeoutAction: config.prompts.timeoutAction,
      log: holdLog(log.child({ component: "hold" })),
      netnsPathOf: (cookie) => paths.get(cookie),
      onAnswered: (flow, v) => recorder.record(activityOfFlow(flow, v, (t) => tags.ruleOf(t))),
      logAllows: config.log.decidedAllows,
    });
    shim.setConfig({ unknownPolicy: policy("hold") });
    log.info({ namespaces: namespaces.map((n) => n.netnsPath ?? "own") }, `holding connect, send and accept with no verdict; ${args.answer ? `answering every held flow "${args.answer}"` : "the engine decides, people are asked"}`);
  } else if (args.unknown === "allow") {
    log.warn("calls with no verdict are ALLOWED and reported (--unknown allow); they are asked about afterwards");
  }

  let stopping = false;
  return {
    reload(next) {
      config = { ...next, prompts: { ...next.prompts, timeoutMs: config.prompts.timeoutMs } };
      log.level = next.log.level;
      applyScope();
      believed = resolverSet();
      plan.schedule("configuration reloaded");
      log.info("configuration reloaded (prompt timeout, rate limits, store and API settings apply at the next start)");
    },
    status: () => ({ ...status(), hold: holdService?.status(), run: run.status(), plan: plan.status(), history: recorder.stats(), dns: dns.stats(), memory: process.memoryUsage() }),
    async stop(signal) {
      if (stopping) return;
      stopping = true;
      holdService?.stop();
      // Unknown calls of governed processes are denied until a daemon returns (the kernel
      // allows the others' at once: it knows the governed scope). socket() stays allowed: it
      // grants nothing by itself, and denying it would stop the connections that the kernel's
      // entries still allow.
      const down = Object.fromEntries(KERNEL_OPS.map((op) => [op, op === "socket" ? "allow" : "deny"])) as ShimConfig["unknownPolicy"];
      if (signal !== "unload") shim.setConfig({ unknownPolicy: down });
      hold?.close(); // the chains stay: packets still held are dropped, never passed
      events.stop();
      offDns?.();
      counters.stop();
      memoryTrim.stop();
      exits.stop();
      exeWatch.stop();
      clearInterval(replacedCheck);
      plan.stop();
      await api.stop();
      run.stop();
      await recorder.stop();
      book.stop();
      store.close();
      shim.close();
      log.info({ signal }, "stopped: the kernel keeps enforcing its verdicts and denies unknown calls until a daemon returns (./sockgate unload removes it)");
    },
  };
}
