// How commands speak: --json prints one JSON document (or one line per event for streams)
// on stdout; otherwise text for people. Errors go to stderr, as JSON under --json.

import { errorCodeOf } from "./exit-codes.js";

export interface Out {
  json: boolean;
  /** One JSON document, or text for people. */
  result(value: unknown, human: () => string): void;
  /** One event of a stream: a JSON line, or a text line. */
  event(value: unknown, human: () => string): void;
  error(err: unknown): void;
}

export function makeOut(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Out {
  return {
    json,
    result: (value, human) => {
      const text = json ? JSON.stringify(value, null, 2) : human();
      if (text !== "") stdout.write(`${text}\n`);
    },
    event: (value, human) => stdout.write(`${json ? JSON.stringify(value) : human()}\n`),
    error: (err) => {
      const message = err instanceof Error ? err.message : String(err);
      const code = errorCodeOf(err);
      stderr.write(json ? `${JSON.stringify({ error: code, message })}\n` : `sockgate: ${message} (${code})\n`);
    },
  };
}

/** Rows as aligned columns; the last column takes what is left. */
export function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return "";
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
