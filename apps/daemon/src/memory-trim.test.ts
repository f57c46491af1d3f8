import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadTrimAddon, startMemoryTrim } from "./memory-trim.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("startMemoryTrim", () => {
  it("trims at every interval until stopped, and counts the calls that gave memory back", () => {
    vi.useFakeTimers();
    const results = [true, false, true];
    const addon = { mallocTrim: vi.fn(() => results.shift() ?? false) };
    const trim = startMemoryTrim({ intervalMs: 1000, addon });
    vi.advanceTimersByTime(999);
    expect(addon.mallocTrim).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2001);
    expect(trim.stats()).toEqual({ trims: 3, released: 2 });
    trim.stop();
    vi.advanceTimersByTime(5000);
    expect(addon.mallocTrim).toHaveBeenCalledTimes(3);
  });

  it("loads its addon (built by the package's build script): no problem is reported", () => {
    const problems: string[] = [];
    const trim = startMemoryTrim({ onProblem: (m) => problems.push(m) });
    expect(problems).toEqual([]);
    trim.stop();
  });
});

describe("the real malloc_trim", () => {
  it("gives back memory freed in the middle of an arena, which free() alone keeps resident", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;
    // 32 KiB backing stores come from malloc's arenas (below its 128 KiB mmap threshold);
    // every 16th stays alive, so the freed ones lie between live ones and free() cannot
    // return them by shrinking the arena's top
    const all: Uint8Array[] = [];
    for (let i = 0; i < 4096; i++) all.push(new Uint8Array(new ArrayBuffer(32 * 1024)).fill(1));
    const kept = all.filter((_, i) => i % 16 === 0);
    all.length = 0;
    gc();
    gc();
    const before = rssMb();
    expect(loadTrimAddon().mallocTrim()).toBe(true);
    const after = rssMb();
    // ~120 MiB were freed; most of it must leave the resident set
    expect(before - after).toBeGreaterThan(60);
    expect(kept.length).toBe(256);
  });
});
