import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob, type GlobMode } from "./match-glob.js";

// The reference semantics, as a RegExp: exponential on some patterns, fine on short ones.
function reference(pattern: string, mode: GlobMode): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (mode === "path" && pattern[i + 1] === "*") {
        out += ".*";
        i++;
      } else out += mode === "path" ? "[^/]*" : ".*";
    } else if (c === "?") out += mode === "path" ? "[^/]" : ".";
    else out += c.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "s");
}

describe("compileGlob", () => {
  it.each<[string, GlobMode, string, boolean]>([
    ["/usr/bin/c*", "path", "/usr/bin/curl", true],
    ["/usr/*", "path", "/usr/bin/curl", false],
    ["/usr/**", "path", "/usr/bin/curl", true],
    ["/usr/**/curl", "path", "/usr/bin/curl", true],
    ["/usr/bin/?url", "path", "/usr/bin/curl", true],
    ["/usr/bin?curl", "path", "/usr/bin/curl", false],
    ["/usr/bin/curl", "path", "/usr/bin/curl", true],
    ["/usr/bin/curl", "path", "/usr/bin/curlx", false],
    ["python3 *backup.py", "text", "python3 /home/a/backup.py", true],
    ["python3 *", "text", "python3", false],
    ["a*", "text", "a\nb", true],
    ["", "text", "", true],
    ["*", "path", "", true],
    ["**", "path", "/a/b", true],
  ])("%s (%s) on %s → %s", (pattern, mode, subject, want) => {
    expect(compileGlob(pattern, mode).test(subject)).toBe(want);
  });

  it("agrees with the RegExp semantics on random short patterns and subjects", () => {
    const unit = fc.constantFrom("a", "b", "/", "*", "?", ".", "\n");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 8 }), fc.string({ unit: fc.constantFrom("a", "b", "/", ".", "\n", "*", "?"), maxLength: 10 }), fc.constantFrom<GlobMode>("path", "text"), (p, s, mode) => {
        expect(compileGlob(p, mode).test(s)).toBe(reference(p, mode).test(s));
      }),
      { numRuns: 20000 },
    );
  });

  // A backtracking matcher takes on the order of 4096^14 steps here; this one answers at once.
  // The test fails by its timeout if the matcher backtracks (it did, freezing the daemon).
  it("answers a pattern built to make a backtracking matcher explode", () => {
    const pattern = "*a".repeat(14) + "*Z";
    const subject = "a".repeat(4096);
    expect(compileGlob(pattern, "text").test(subject)).toBe(false);
    expect(compileGlob(pattern.replaceAll("*", "**"), "path").test(subject)).toBe(false);
    expect(compileGlob(pattern, "text").test(subject + "Z")).toBe(true);
  });
});
