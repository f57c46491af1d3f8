// The V8 and glibc settings sockgated's memory and latency figures were measured with
// (bench:daemon: RSS under 2,000 engine-decided flows per second; bench:hold: the added
// latency of a held first contact). A daemon started without them runs
// itself again in place, before it loads anything (same pid, stdio and arguments), with the
// missing ones added; a setting given already is kept, so an administrator's choice wins.
// - --max-semi-space-size=1: held flows make short-lived objects; V8's default young
//   generation grows to tens of MB on this machine and is all resident. 1 MB semi-spaces:
//   start RSS 98 → 91 MB, no measurable change in first-contact latency or CPU.
// - MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (libuv's pool, V8's GC and
//   compiler threads, the history worker) an arena of its own; five were ~20 MB resident
//   under load. Two: peak RSS −4 MB.
// - --v8-pool-size=1: V8's helper threads (optimizing compiler jobs of 0.5-4 ms, GC tasks)
//   could take both CPUs of this 2-vCPU machine at once, and a program whose held connect()
//   the daemon had just answered waited up to 1 ms for a CPU (bench:hold under perf sched:
//   p99 run-queue wait 0.97 ms). With one helper a CPU stays free: tcp p99 added 1519-1712 →
//   1220-1378 µs in interleaved runs. Not SCHED_IDLE for them: under a saturated CPU the main
//   thread waits for a starved helper (GC safepoint, joined scavenge) and a held connect took
//   1.9 s, measured.
// - --invocation-count-for-turbofan=1000 (V8's default: 3000): a function called once per
//   held flow reached TurboFan only after ~3,000 flows, and its compile job (2-26 ms on the
//   one helper thread: event decode 26 ms, requestFromEvent 12 ms, seen with --trace-opt)
//   took a CPU from the program waiting for its answer. At 1000 the hot path is compiled
//   within a daemon's first thousand flows (bench:hold's measured window: ~10 jobs, not
//   ~40): tcp p99 added 1274-1792 → 473-735 µs in interleaved runs (p50 unchanged or
//   lower); 407-1220 over 21 later runs.
// - --heap-growing-percent=50: under 2,000 engine flows a second about 1.7 KB of each flow
//   outlives a scavenge and dies old; V8 let the old generation grow from ~17 MB live to 52 MB
//   before a full GC (--trace-gc), and bench:daemon's RSS peaked above 120 MB (123-148) in
//   9 of 25 runs, from 4 MB/s of growth in the engine phase. Growing by half of what is
//   live: 108.0-108.7 MB in 3 of 3 runs, engine CPU 1.63-1.73 s per 10k flows (1.45-1.97 in
//   the 14 interleaved runs without). 20 held RSS too (106-110) but first-contact p50 went
//   to 0.8 and 1.1 ms in two of four runs: not taken.
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--v8-pool-size=1", "--invocation-count-for-turbofan=1000", "--heap-growing-percent=50"];
export const NODE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** What of NODE_FLAGS and NODE_ENV a process started with `execArgv` and `env` lacks (a flag counts as given whatever its value). */
export function missingTuning(execArgv: readonly string[], env: NodeJS.ProcessEnv): { flags: string[]; env: Record<string, string> } {
  // V8 takes --a_b for --a-b
  const nameOf = (flag: string): string => flag.split("=")[0]!.replace(/_/g, "-");
  const given = new Set(execArgv.map(nameOf));
  const flags = NODE_FLAGS.filter((f) => !given.has(nameOf(f)));
  const missing = Object.fromEntries(Object.entries(NODE_ENV).filter(([k]) => env[k] === undefined));
  return { flags, env: missing };
}

/** Replaces this process with itself plus the missing settings; false when nothing is missing or it cannot (then it runs as started). */
export function reexecTuned(): boolean {
  const m = missingTuning(process.execArgv, process.env);
  if (m.flags.length === 0 && Object.keys(m.env).length === 0) return false;
  if (typeof process.execve !== "function" || process.argv[1] === undefined) return false;
  try {
    process.execve(process.execPath, [process.execPath, ...m.flags, ...process.execArgv, process.argv[1], ...process.argv.slice(2)], { ...process.env, ...m.env });
  } catch (err) {
    process.stderr.write(`sockgated: running without ${[...m.flags, ...Object.keys(m.env)].join(" ")}: re-executing failed (${(err as Error).message})\n`);
    return false;
  }
  return true;
}
