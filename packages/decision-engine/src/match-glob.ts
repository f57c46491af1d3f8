// Globs for executable paths and command lines. In paths "*" stays inside one directory and
// "**" crosses them; in command lines (argv joined by spaces) "*" matches anything.

export type GlobMode = "path" | "text";

const SPECIAL = /[\\^$.|+()[\]{}]/g;

export function hasGlobChars(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

export function globToRegExp(pattern: string, mode: GlobMode): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (mode === "path" && pattern[i + 1] === "*") {
        out += ".*";
        i++;
      } else {
        out += mode === "path" ? "[^/]*" : ".*";
      }
    } else if (c === "?") {
      out += mode === "path" ? "[^/]" : ".";
    } else {
      out += c.replace(SPECIAL, "\\$&");
    }
  }
  return new RegExp(`^${out}$`, "s");
}
