// A set of CIDRs as sorted, merged [start, end] ranges of 128-bit addresses (four u32
// words each), searched by binary search: lookup cost grows with log2(n), not n.

import type { AddressWords, Cidr } from "./match-address.js";

function compareAt(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  for (let k = 0; k < 4; k++) {
    const d = a[ai + k]! - b[bi + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The last address of a CIDR: network | ~mask. */
function rangeEnd(cidr: Cidr): number[] {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    const bits = Math.min(32, Math.max(0, cidr.prefix - 32 * i));
    const host = bits === 32 ? 0 : bits === 0 ? 0xffffffff : 0xffffffff >>> bits;
    out.push((cidr.words[i]! | host) >>> 0);
  }
  return out;
}

/** True when `a` (at ai) + 1 == `b` (at bi): adjacent ranges merge. */
function isSuccessor(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): boolean {
  const next = [a[ai]!, a[ai + 1]!, a[ai + 2]!, a[ai + 3]!];
  for (let k = 3; k >= 0; k--) {
    if (next[k] === 0xffffffff) {
      next[k] = 0;
      continue;
    }
    next[k]! += 1;
    break;
  }
  return compareAt(next, 0, b, bi) === 0;
}

export class AddressRanges {
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  readonly count: number;

  constructor(cidrs: readonly Cidr[]) {
    const order = cidrs.map((c) => ({ s: c.words, e: rangeEnd(c) }));
    order.sort((x, y) => compareAt(x.s, 0, y.s, 0));
    const starts: number[] = [];
    const ends: number[] = [];
    for (const r of order) {
      const n = starts.length;
      if (n > 0 && (compareAt(r.s, 0, ends, n - 4) <= 0 || isSuccessor(ends, n - 4, r.s, 0))) {
        if (compareAt(r.e, 0, ends, n - 4) > 0) for (let k = 0; k < 4; k++) ends[n - 4 + k] = r.e[k]!;
        continue;
      }
      starts.push(...r.s);
      ends.push(...r.e);
    }
    this.starts = Uint32Array.from(starts);
    this.ends = Uint32Array.from(ends);
    this.count = starts.length / 4;
  }

  has(addr: AddressWords): boolean {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAt(this.starts, mid * 4, addr, 0) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && compareAt(addr, 0, this.ends, found * 4) <= 0;
  }
}
