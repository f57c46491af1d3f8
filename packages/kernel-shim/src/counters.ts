// Sums the per-CPU struct sg_counters (u64 c[SG_HOOK_COUNT][SG_CNT_COUNT]) into one table.
import { SockgateError, abi } from "@sockgate/protocol";
import type { CounterName, HookName } from "@sockgate/protocol";
import type { HookCounters, ProgramStats } from "./types.js";

const PER_CPU_BYTES = abi.SIZEOF.counters;

export function sumCounters(bytes: Buffer, cpus: number): HookCounters {
  if (bytes.length !== PER_CPU_BYTES * cpus) {
    throw new SockgateError(
      "SG_ERR_BAD_LENGTH",
      `per-CPU counters must be ${PER_CPU_BYTES} bytes x ${cpus} CPUs = ${PER_CPU_BYTES * cpus}, got ${bytes.length}`,
    );
  }
  const out = {} as HookCounters;
  abi.HOOKS.forEach((hook, h) => {
    const row = {} as Record<CounterName, bigint>;
    abi.COUNTERS.forEach((name, c) => {
      let sum = 0n;
      for (let cpu = 0; cpu < cpus; cpu++) {
        sum += bytes.readBigUInt64LE(cpu * PER_CPU_BYTES + (h * abi.COUNTERS.length + c) * 8);
      }
      row[name] = sum;
    });
    out[hook] = row;
  });
  return out;
}

/** Pairs of [runCount, runTimeNs] in enum sg_hook order, as the addon returns them. */
export function programStatsByHook(pairs: bigint[]): ProgramStats {
  const out = {} as ProgramStats;
  abi.HOOKS.forEach((hook: HookName, h) => {
    const runCount = pairs[2 * h];
    const runTimeNs = pairs[2 * h + 1];
    if (runCount === undefined || runTimeNs === undefined) {
      throw new SockgateError("SG_ERR_TRUNCATED", `program stats hold ${pairs.length / 2} hooks, expected ${abi.HOOKS.length}`);
    }
    out[hook] = { runCount, runTimeNs };
  });
  return out;
}
