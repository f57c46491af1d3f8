import { DEFAULT_CONFIG, openShim, unloadShim, type Shim, type ShimConfig } from "@sockgate/kernel-shim";
import { event } from "@sockgate/protocol";
import { cgroup2Root } from "./cgroup-root.js";
import { USAGE, parseDaemonArgs, type DaemonArgs } from "./cli-args.js";
import { formatEvent } from "./event-format.js";

const log = (line: string): void => void process.stderr.write(`sockgated: ${line}\n`);

function lostTotal(shim: Shim): bigint {
  let total = 0n;
  for (const perHook of Object.values(shim.counters())) total += perHook.lost;
  return total;
}

function run(args: DaemonArgs): void {
  const cgroupPath = args.cgroup ?? cgroup2Root();
  const unknownPolicy = { ...DEFAULT_CONFIG.unknownPolicy };
  for (const op of Object.keys(unknownPolicy) as (keyof ShimConfig["unknownPolicy"])[]) unknownPolicy[op] = args.unknown;
  const shim = openShim({
    cgroupPath,
    pinDir: args.pinDir,
    config: { reportAllows: args.reportAllows, unknownPolicy },
  });
  log(`shim ${shim.adopted ? "re-adopted from" : "loaded and pinned at"} ${args.pinDir}, enforcing on ${cgroupPath}`);
  if (args.unknown === "allow")
    log("no decision engine yet: calls with no verdict are ALLOWED and reported (--unknown deny fails closed)");

  let badRecords = 0;
  shim.onEvent((record) => {
    try {
      const ev = event.decode(record);
      process.stdout.write(
        args.json ? `${JSON.stringify(ev, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n` : `${formatEvent(ev)}\n`,
      );
    } catch (err) {
      badRecords++;
      log(`undecodable event record #${badRecords} (${record.length} bytes): ${(err as Error).message}`);
    }
  });

  // Lost records are counted in the kernel; say so as soon as the count moves.
  let lostSeen = lostTotal(shim);
  const lostTimer = setInterval(() => {
    const lost = lostTotal(shim);
    if (lost !== lostSeen) log(`${lost - lostSeen} event records lost (ring buffer full); ${lost} in total`);
    lostSeen = lost;
  }, 1000);

  const stop = (signal: string): void => {
    clearInterval(lostTimer);
    shim.close();
    log(`${signal}: exiting; the pinned shim keeps enforcing (remove it with ./sockgate unload)`);
    process.exit(0);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

function main(argv: string[]): number {
  let args: DaemonArgs;
  try {
    args = parseDaemonArgs(argv);
  } catch (err) {
    log((err as Error).message);
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (args.unload) {
    const removed = unloadShim(args.pinDir);
    log(`unloaded: ${removed.links} links detached, ${removed.maps} map pins removed from ${args.pinDir}`);
    return 0;
  }
  run(args);
  return -1;
}

try {
  const code = main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (err) {
  const e = err as Error & { code?: string };
  log(`${e.code ? `${e.code}: ` : ""}${e.message}`);
  process.exit(1);
}
