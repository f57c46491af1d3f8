// Connections over time as a row of bars: people would rather look than read counts.
// Unicode block elements where the terminal speaks UTF-8, ASCII where it may not.

const BLOCKS = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
const ASCII = [" ", ".", ":", "-", "=", "+", "*", "#", "@"];

/** Counts per bucket: `points` (time, weight) over [from, to) in `buckets` equal parts. */
export function bucketCounts(points: Iterable<{ at: number; count?: number }>, from: number, to: number, buckets: number): number[] {
  const out = new Array<number>(buckets).fill(0);
  const span = Math.max(1, to - from);
  for (const p of points) {
    if (p.at < from || p.at >= to) continue;
    const i = Math.min(buckets - 1, Math.floor(((p.at - from) / span) * buckets));
    out[i]! += p.count ?? 1;
  }
  return out;
}

/** One character per count, scaled to the largest; any non-zero count shows at least the lowest bar. */
export function sparkline(counts: readonly number[], ascii = false): string {
  const glyphs = ascii ? ASCII : BLOCKS;
  const max = Math.max(0, ...counts);
  if (max === 0) return glyphs[0]!.repeat(counts.length);
  return counts.map((c) => (c <= 0 ? glyphs[0]! : glyphs[Math.max(1, Math.round((c / max) * 8))]!)).join("");
}

/** True when the locale says UTF-8 (LC_ALL, then LC_CTYPE, then LANG, as the C library reads them). */
export function localeIsUtf8(env: NodeJS.ProcessEnv = process.env): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  return /utf-?8/i.test(locale);
}
