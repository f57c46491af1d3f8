import { abi } from "@sockgate/protocol";
import { describe, expect, it } from "vitest";
import { programStatsByHook, sumCounters } from "./counters.js";

const PER_CPU = abi.SIZEOF.counters;
const at = (hook: number, counter: number): number => (hook * abi.COUNTERS.length + counter) * 8;

describe("sumCounters", () => {
  it("sums each hook's counters over every CPU", () => {
    const bytes = Buffer.alloc(PER_CPU * 3);
    bytes.writeBigUInt64LE(5n, at(3, 0)); //                       cpu0 connect4 runs
    bytes.writeBigUInt64LE(7n, PER_CPU + at(3, 0)); //             cpu1 connect4 runs
    bytes.writeBigUInt64LE(1n << 40n, 2 * PER_CPU + at(3, 0)); //  cpu2 connect4 runs
    bytes.writeBigUInt64LE(2n, PER_CPU + at(8, 4)); //             cpu1 sockops lost
    const sum = sumCounters(bytes, 3);
    expect(sum.connect4.runs).toBe(12n + (1n << 40n));
    expect(sum.sockops.lost).toBe(2n);
    expect(sum.sock_create).toEqual({ runs: 0n, allows: 0n, denies: 0n, unknowns: 0n, lost: 0n, held: 0n, pending_full: 0n, ungoverned: 0n });
    expect(Object.keys(sum)).toEqual([...abi.HOOKS]);
  });

  it("refuses a buffer that is not one struct per CPU", () => {
    expect(() => sumCounters(Buffer.alloc(PER_CPU * 2 - 8), 2)).toThrow(new RegExp(`got ${PER_CPU * 2 - 8}`));
  });
});

describe("programStatsByHook", () => {
  it("pairs run counts and times by hook", () => {
    const pairs = abi.HOOKS.flatMap((_, i) => [BigInt(i), BigInt(i * 100)]);
    const stats = programStatsByHook(pairs);
    expect(stats.ingress).toEqual({ runCount: 7n, runTimeNs: 700n });
  });
  it("refuses a short list", () => {
    expect(() => programStatsByHook([1n, 2n])).toThrow(new RegExp(`expected ${abi.HOOKS.length}`));
  });
});
