// Fitting text into terminal columns. Column width, not string length: a wide character
// (CJK, most emoji) takes two columns, so a host name in one cannot push the layout out.

import stringWidth from "string-width";

/** `s` cut to at most `width` columns, with "…" where it was cut. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return "";
  if (stringWidth(s) <= width) return s;
  let out = "";
  let w = 0;
  for (const ch of s) {
    const cw = stringWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** `s` cut to `width` columns from the left, keeping its end (paths: the file name matters most). */
export function truncateStart(s: string, width: number): string {
  if (width <= 0) return "";
  if (stringWidth(s) <= width) return s;
  const chars = [...s];
  let out = "";
  let w = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const cw = stringWidth(chars[i]!);
    if (w + cw > width - 1) break;
    out = chars[i]! + out;
    w += cw;
  }
  return `…${out}`;
}

/** `s` padded with spaces (or cut) to exactly `width` columns. */
export function pad(s: string, width: number): string {
  const t = truncate(s, width);
  return t + " ".repeat(Math.max(0, width - stringWidth(t)));
}

/** The last path component: "/usr/bin/curl" -> "curl". */
export function baseName(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}

/** Characters a terminal would act on (escape sequences, other controls) made visible, so no program name or host can drive the terminal. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
