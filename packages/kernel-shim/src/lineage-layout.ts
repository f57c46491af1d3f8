// Byte layout of struct sg_lineage (abi/sockgate-abi.h): ancestors[SG_LINEAGE_MAX] as u64
// (tgid << 32 | start time in ticks, low 32 bits), the Bloom filter of earlier ancestors
// (SG_LINEAGE_BLOOM_BITS bits, little-endian u64 words), then u32 depth.
import { abi } from "@sockgate/protocol";
import type { Lineage } from "./types.js";

export const LINEAGE_BYTES = abi.SIZEOF.lineage;
const EARLIER_AT = 8 * abi.LINEAGE_MAX;
const EARLIER_BYTES = abi.LINEAGE_BLOOM_BITS / 8;
const DEPTH_AT = EARLIER_AT + EARLIER_BYTES;
const M64 = (1n << 64n) - 1n;

const idOf = (pid: number, startTicks: number): bigint => (BigInt(pid) << 32n) | BigInt(startTicks >>> 0);

/** sg_lineage_bit of the header: bit k (0..2) of an ancestor id in the filter. */
export function lineageBit(id: bigint, k: number): number {
  let h = id & M64;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M64;
  h ^= h >> 33n;
  return Number((h >> BigInt(8 * k)) & BigInt(abi.LINEAGE_BLOOM_BITS - 1));
}

/**
 * Whether the process (pid, start tick from /proc/PID/stat field 22) is one of the
 * ancestors: exactly among the nearest, by the filter among the earlier ones (never a false
 * "no"; a false "yes" about once in 600 when ten ancestors are in the filter).
 */
export function lineageIncludes(l: Lineage, pid: number, startTicks: number): boolean {
  const tick = startTicks >>> 0;
  if (l.ancestors.some((a) => a.pid === pid && a.startTicks === tick)) return true;
  const id = idOf(pid, tick);
  return [0, 1, 2].every((k) => {
    const bit = lineageBit(id, k);
    return ((l.earlier[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;
  });
}

export function decodeLineage(buf: Buffer, offset = 0): Lineage {
  const depth = buf.readUInt32LE(offset + DEPTH_AT);
  const ancestors: Lineage["ancestors"] = [];
  for (let i = 0; i < Math.min(depth, abi.LINEAGE_MAX); i++) {
    const id = buf.readBigUInt64LE(offset + 8 * i);
    ancestors.push({ pid: Number(id >> 32n), startTicks: Number(id & 0xffffffffn) });
  }
  const earlier = Uint8Array.from(buf.subarray(offset + EARLIER_AT, offset + EARLIER_AT + EARLIER_BYTES));
  return { ancestors, earlier, depth };
}

/** Test and tooling use: the bytes the kernel would write for this lineage. */
export function encodeLineage(l: Lineage, buf = Buffer.alloc(LINEAGE_BYTES), offset = 0): Buffer {
  buf.fill(0, offset, offset + LINEAGE_BYTES);
  l.ancestors.slice(0, abi.LINEAGE_MAX).forEach((a, i) => buf.writeBigUInt64LE(idOf(a.pid, a.startTicks), offset + 8 * i));
  buf.set(l.earlier.subarray(0, EARLIER_BYTES), offset + EARLIER_AT);
  buf.writeUInt32LE(l.depth, offset + DEPTH_AT);
  return buf;
}
