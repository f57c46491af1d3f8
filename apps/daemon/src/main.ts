import { DEFAULT_CONFIG, openHold, openShim, unloadShim, type Hold, type Shim, type ShimConfig } from "@sockgate/kernel-shim";
import { event } from "@sockgate/protocol";
import { cgroup2Root } from "./cgroup-root.js";
import { USAGE, parseDaemonArgs, type DaemonArgs } from "./cli-args.js";
import { formatEvent } from "./event-format.js";
import { startHoldService, type HoldService, type Log } from "./hold/hold-service.js";
import { fixedDecide, noDecide } from "./hold/verdict.js";
import { stderrLines, stdoutLines } from "./line-writer.js";

const log: Log = (level, message, fields) =>
  stderrLines.write(`sockgated: ${level === "info" ? "" : `${level}: `}${message}${fields ? ` ${JSON.stringify(fields)}` : ""}`);

const HOLDABLE = new Set(["connect", "send", "accept"]);

function lostTotal(shim: Shim): bigint {
  let total = 0n;
  for (const perHook of Object.values(shim.counters())) total += perHook.lost;
  return total;
}

/** The kernel's policy for calls with no verdict: hold only where a call can be held. */
function unknownPolicy(args: DaemonArgs): ShimConfig["unknownPolicy"] {
  const policy = { ...DEFAULT_CONFIG.unknownPolicy };
  for (const op of Object.keys(policy) as (keyof typeof policy)[]) {
    policy[op] = args.unknown === "hold" && !HOLDABLE.has(op) ? "allow" : args.unknown;
  }
  return policy;
}

async function run(args: DaemonArgs): Promise<void> {
  const cgroupPath = args.cgroup ?? cgroup2Root();
  // Holding starts only once the chains and readers are up: until then the old policy stays.
  const policy = unknownPolicy(args);
  const shim = openShim({
    cgroupPath,
    pinDir: args.pinDir,
    config: { reportAllows: args.reportAllows, ...(args.unknown === "hold" ? {} : { unknownPolicy: policy }) },
  });
  log("info", `shim ${shim.adopted ? "re-adopted from" : "loaded and pinned at"} ${args.pinDir}, enforcing on ${cgroupPath}`);
  if (shim.migrated) {
    const moved = Object.entries(shim.migrated).map(([map, n]) => `${map} ${n}`).join(", ");
    log("info", `the pins were another version's: their maps were migrated to this version's definitions (entries moved: ${moved})`);
  }

  let hold: Hold | undefined;
  let service: HoldService | undefined;
  if (args.unknown === "hold") {
    const namespaces: Array<{ netnsPath?: string }> = args.holdNetns.length > 0 ? args.holdNetns.map((netnsPath) => ({ netnsPath })) : [{}];
    hold = await openHold(shim, { namespaces, queueNum: args.queueNum, onProblem: (p) => log("warn", p) });
    const paths = new Map(hold.status().namespaces.map((n) => [n.netnsCookie, n.netnsPath ?? ""]));
    service = startHoldService({
      shim,
      hold,
      decide: args.answer ? fixedDecide(args.answer) : noDecide,
      timeoutMs: args.holdTimeoutMs,
      timeoutAction: args.timeoutAction,
      log,
      netnsPathOf: (cookie) => paths.get(cookie),
    });
    shim.setConfig({ unknownPolicy: policy });
    log(
      "info",
      `holding connect, send and accept with no verdict in ${namespaces.map((n) => n.netnsPath ?? "this namespace").join(", ")}; ` +
        (args.answer ? `answering every held flow "${args.answer}"` : `nothing decides yet: each held flow gets "${args.timeoutAction}" after ${args.holdTimeoutMs} ms`),
    );
  } else if (args.unknown === "allow") {
    log("warn", "no decision engine yet: calls with no verdict are ALLOWED and reported (--unknown hold holds them, --unknown deny fails closed)");
  }

  // Printing waits for the end of this turn of the loop: a held flow's answer comes first.
  let badRecords = 0;
  let toPrint: Buffer[] = [];
  const print = (): void => {
    const records = toPrint;
    toPrint = [];
    for (const record of records) {
      try {
        const ev = event.decode(record);
        stdoutLines.write(args.json ? JSON.stringify(ev, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : formatEvent(ev));
      } catch (err) {
        badRecords++;
        log("warn", `undecodable event record #${badRecords} (${record.length} bytes): ${(err as Error).message}`);
      }
    }
  };
  shim.onEvent((record) => {
    if (toPrint.push(record) === 1) setImmediate(print);
  });

  // Lost records and queue drops are counted in the kernel; say so as soon as a count moves.
  let lostSeen = lostTotal(shim);
  let dropsSeen = 0;
  const watch = setInterval(() => {
    const lost = lostTotal(shim);
    if (lost !== lostSeen) log("warn", `${lost - lostSeen} event records lost (ring buffer full); ${lost} in total`);
    lostSeen = lost;
    if (hold) {
      const drops = hold.status().namespaces.reduce((n, s) => n + (s.queue?.queueDropped ?? 0) + (s.queue?.userDropped ?? 0), 0);
      if (drops !== dropsSeen) log("warn", `the hold queue dropped ${drops - dropsSeen} packet(s) (queue full or reader overrun): never passed, their senders retry`);
      dropsSeen = drops;
    }
  }, 1000);

  const status = (): unknown => ({
    counters: shim.counters(),
    config: shim.getConfig(),
    hold: service?.status(),
  });
  process.on("SIGUSR1", () => log("info", "status", JSON.parse(JSON.stringify(status(), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>));

  const stop = (signal: string): void => {
    clearInterval(watch);
    service?.stop();
    // The chains and the namespaces stay registered: held packets are dropped until a daemon returns.
    hold?.close();
    shim.close();
    log("info", `${signal}: exiting; the pinned shim keeps enforcing${hold ? " and held flows wait, undecided and blocked, for the next daemon" : ""} (remove it with ./sockgate unload)`);
    stdoutLines.flush();
    stderrLines.flush();
    process.exit(0);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

async function main(argv: string[]): Promise<number> {
  let args: DaemonArgs;
  try {
    args = parseDaemonArgs(argv);
  } catch (err) {
    log("error", (err as Error).message);
    stderrLines.write(USAGE);
    stderrLines.flush();
    return 2;
  }
  if (args.unload) {
    const removed = unloadShim(args.pinDir);
    log("info", `unloaded: ${removed.links} links detached, ${removed.maps} map pins removed from ${args.pinDir}`);
    stderrLines.flush();
    return 0;
  }
  await run(args);
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    const e = err as Error & { code?: string };
    log("error", `${e.code ? `${e.code}: ` : ""}${e.message}`);
    stderrLines.flush();
    process.exit(1);
  },
);
