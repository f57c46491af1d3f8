// Globs for executable paths and command lines. In paths "*" stays inside one directory and
// "**" crosses them; in command lines (argv joined by spaces) "*" matches anything.
// Rules are written by any governed user and matched on the daemon's one thread, so matching
// must stay linear in pattern × subject: a backtracking RegExp froze the daemon on "*a*a…*Z".

export type GlobMode = "path" | "text";

export interface GlobMatcher {
  test(subject: string): boolean;
}

// One token per pattern step: a literal code unit, "?" (one unit) or a star (a run of units).
// `slash` says whether the step may consume "/".
type Token = { kind: "char"; unit: number } | { kind: "one"; slash: boolean } | { kind: "star"; slash: boolean };

const SLASH = 0x2f;

export function hasGlobChars(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

function tokens(pattern: string, mode: GlobMode): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      let slash = mode === "text";
      if (mode === "path" && pattern[i + 1] === "*") {
        slash = true;
        i++;
      }
      // Adjacent stars match what the widest of them matches; merging keeps the state count small.
      const prev = out[out.length - 1];
      if (prev?.kind === "star") prev.slash ||= slash;
      else out.push({ kind: "star", slash });
    } else if (c === "?") {
      out.push({ kind: "one", slash: mode === "text" });
    } else {
      out.push({ kind: "char", unit: pattern.charCodeAt(i) });
    }
  }
  return out;
}

/** Compiles a glob into a matcher that runs in O(pattern × subject) time, whatever the pattern. */
export function compileGlob(pattern: string, mode: GlobMode): GlobMatcher {
  const toks = tokens(pattern, mode);
  const n = toks.length;
  if (!toks.some((t) => t.kind !== "char")) return { test: (s) => s === pattern };
  return {
    test(subject: string): boolean {
      // State i: the first i tokens have matched the subject read so far.
      let cur = new Uint8Array(n + 1);
      let next = new Uint8Array(n + 1);
      cur[0] = 1;
      const close = (set: Uint8Array): boolean => {
        let any = false;
        for (let i = 0; i <= n; i++) {
          if (set[i] === 0) continue;
          any = true;
          if (i < n && toks[i]!.kind === "star") set[i + 1] = 1;
        }
        return any;
      };
      close(cur);
      for (let p = 0; p < subject.length; p++) {
        const u = subject.charCodeAt(p);
        next.fill(0);
        for (let i = 0; i < n; i++) {
          if (cur[i] === 0) continue;
          const t = toks[i]!;
          if (t.kind === "char") {
            if (t.unit === u) next[i + 1] = 1;
          } else if (t.slash || u !== SLASH) {
            next[t.kind === "star" ? i : i + 1] = 1;
          }
        }
        if (!close(next)) return false;
        [cur, next] = [next, cur];
      }
      return cur[n] === 1;
    },
  };
}
