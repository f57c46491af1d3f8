import { describe, expect, it } from "vitest";
import { userIsGoverned } from "../state/governed.js";
import { bucketCounts, localeIsUtf8, sparkline } from "./sparkline.js";
import { pad, printable, truncate, truncateStart } from "./text.js";
import { countdown, parseSpan } from "./time.js";

describe("formatting", () => {
  it("sparklines scale to the largest bucket; any call shows at least the lowest bar", () => {
    expect(sparkline([0, 1, 4, 8])).toBe(" ▁▄█");
    expect(sparkline([0, 1, 100])).toBe(" ▁█");
    expect(sparkline([0, 0])).toBe("  ");
    expect(sparkline([0, 8], true)).toBe(" @");
    expect(bucketCounts([{ at: 0 }, { at: 5, count: 3 }, { at: 9 }, { at: 10 }], 0, 10, 2)).toEqual([1, 4]);
    expect([localeIsUtf8({ LANG: "C.UTF-8" }), localeIsUtf8({ LANG: "C" }), localeIsUtf8({ LC_ALL: "en_US.utf8", LANG: "C" })]).toEqual([true, false, true]);
  });

  it("text fits columns, wide characters count twice, control characters cannot reach the terminal", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("日本語のホスト", 7)).toBe("日本語…");
    expect(truncateStart("/usr/lib/firefox/firefox", 10)).toBe("…x/firefox");
    expect(pad("ab", 4)).toBe("ab  ");
    expect(printable("evil\u001b[2Jhost")).toBe("evil\\x1b[2Jhost");
  });

  it("countdowns round up, spans parse", () => {
    expect([countdown(42_000), countdown(2_400), countdown(0), countdown(65_000), countdown(3_720_000)]).toEqual(["42s", "3s", "0s", "1m 05s", "1h 02m"]);
    expect([parseSpan("15m"), parseSpan("2h"), parseSpan("7d"), parseSpan("soon")]).toEqual([900_000, 7_200_000, 604_800_000, undefined]);
  });

  it("whether this user's programs are governed, from the daemon's status", () => {
    expect(userIsGoverned("human users (uid 1000-60000, except nobody): 2 (enforced in the kernel)", 1001)).toBe(true);
    expect(userIsGoverned("human users (uid 1000-60000, except nobody): 2 (enforced in the kernel)", 0)).toBe(false);
    expect(userIsGoverned("uids 1001, 1002 (enforced in the kernel)", 1002)).toBe(true);
    expect(userIsGoverned("uids (none) (enforced in the kernel)", 0)).toBe(false);
  });
});
