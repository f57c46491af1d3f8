// argv as the shim's records carry it: ARGV_LEN bytes used of a fixed ARGV_MAX-byte array,
// each argument NUL-terminated except a last one that was cut. Shared by the event and DNS
// record codecs, which show it as string[] (plus whether the last element is cut).

import { ARGV_MAX } from "./abi.js";
import { SockgateError } from "./errors.js";
import { badValue } from "./record-fields.js";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: false });

export interface WireArgv {
  argvLength: number;
  argvBytes: Uint8Array;
}

/** The wire form of argv; `cut`: the last argument has no NUL (it did not fit). */
export function argvToWire(argv: unknown, cut: boolean, noun: string): WireArgv {
  const field = `${noun} field argv`;
  if (!Array.isArray(argv)) throw badValue(field, "an array of strings", argv);
  const bytes = new Uint8Array(ARGV_MAX);
  let n = 0;
  argv.forEach((arg: unknown, i) => {
    if (typeof arg !== "string" || arg.includes("\0")) throw badValue(`${field}[${i}]`, "a string without NUL characters", arg);
    const b = utf8.encode(arg);
    const need = b.length + (cut && i === argv.length - 1 ? 0 : 1);
    if (n + need > ARGV_MAX) throw badValue(field, `at most ${ARGV_MAX} bytes with a NUL after each argument`, `${n + need} bytes`);
    bytes.set(b, n);
    n += need;
  });
  return { argvLength: n, argvBytes: bytes };
}

/** The arguments; with `cut` every piece is kept (the last is partial), else a NUL must end the last. */
export function argvFromWire(w: WireArgv, cut: boolean, noun: string): string[] {
  const used = w.argvBytes.subarray(0, w.argvLength);
  if (used.length === 0) return [];
  const parts = fromUtf8.decode(used).split("\0");
  if (!cut) {
    if (parts[parts.length - 1] !== "") {
      throw new SockgateError("SG_ERR_BAD_STRING", `${noun} field argv: expected a NUL after the last argument (the record does not mark it cut)`);
    }
    parts.pop();
  }
  return parts;
}

/** Cut at the source: the bytes in use fill the array and do not end with a NUL. */
export function argvLooksCut(w: WireArgv): boolean {
  return w.argvLength > 0 && w.argvBytes[w.argvLength - 1] !== 0;
}
