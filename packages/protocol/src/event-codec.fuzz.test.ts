// Property tests: any valid event survives encode -> decode; any mutation of a golden
// record either decodes (and then survives decode -> encode -> decode) or throws a
// SockgateError, never a RangeError or TypeError.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadVector, vectorNames } from "../test/golden-files.js";
import { Attr, EVENT_FLAG_ARGV_TRUNCATED, HOOKS, OPS, PROTOS, REASONS, VERDICTS } from "./abi.js";
import { formatAddress, parseAddress } from "./address.js";
import { SockgateError } from "./errors.js";
import { AF_INET, AF_INET6, decode, encode, encodingLength, type ShimEvent } from "./event-codec.js";

const KNOWN_TYPES = new Set<number>(Object.values(Attr));
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Strings that survive UTF-8 both ways, hold no NUL and fit `maxBytes`. */
const cString = (maxBytes: number) =>
  fc
    .string({ unit: "binary", maxLength: maxBytes })
    .filter((s) => !s.includes("\0") && utf8.encode(s).length <= maxBytes && fromUtf8.decode(utf8.encode(s)) === s);

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const port = fc.integer({ min: 0, max: 0xffff });
const address = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatAddress),
  fc.ipV4().map((v4) => formatAddress(parseAddress(v4))),
  fc.constant("::"),
);

const shimEvent: fc.Arbitrary<ShimEvent> = fc.record({
  version: fc.integer({ min: 1, max: 0xffff }),
  type: fc.constant(1),
  op: fc.constantFrom(...OPS),
  proto: fc.constantFrom(...PROTOS),
  family: fc.constantFrom(AF_INET, AF_INET6),
  hook: fc.constantFrom(...HOOKS),
  verdict: fc.constantFrom(...VERDICTS),
  reason: fc.constantFrom(...REASONS.slice(1)),
  tag: u32,
  pid: u32,
  tgid: u32,
  ppid: u32,
  uid: u32,
  gid: u32,
  flags: u32.map((f) => (f & ~EVENT_FLAG_ARGV_TRUNCATED) >>> 0), // a cut argv is pinned by a golden vector
  cgroupId: u64,
  exeIno: u64,
  exeDev: u32,
  cookie: u64,
  ktime: u64,
  localAddr: address,
  remoteAddr: address,
  localPort: port,
  remotePort: port,
  exeGeneration: u32,
  argv: fc.array(cString(20), { maxLength: 5 }),
  comm: cString(15),
  exePath: cString(255),
  unknown: fc.array(
    fc.record({
      type: fc.integer({ min: 0, max: 0xffff }).filter((t) => !KNOWN_TYPES.has(t)),
      data: fc.uint8Array({ maxLength: 40 }),
    }),
    { maxLength: 3 },
  ),
});

type Mutation =
  | { kind: "set"; at: number; value: number }
  | { kind: "cut"; at: number }
  | { kind: "insert"; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }) },
);

function mutate(src: Uint8Array, ms: Mutation[], fixLength: boolean): Uint8Array {
  let b = src.slice();
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.kind === "set" && at < b.length) b[at] = m.value;
    if (m.kind === "cut") b = b.slice(0, at);
    if (m.kind === "insert") b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
  }
  if (fixLength && b.length >= 4) new DataView(b.buffer).setUint32(0, b.length, true);
  return b;
}

describe("event codec properties", () => {
  it("decode(encode(e)) equals e for any valid event", () => {
    fc.assert(
      fc.property(shimEvent, (e) => {
        const bytes = encode(e);
        expect(bytes.length).toBe(encodingLength(e));
        expect(bytes.length % 4).toBe(0);
        expect(decode(bytes)).toEqual(e);
      }),
      { numRuns: 1000 },
    );
  });

  it("mutated golden records decode or throw SockgateError, and what decodes re-encodes stably", () => {
    const goldens = vectorNames().map((n) => loadVector(n).bytes);
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.constantFrom(...goldens),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (golden, ms, fixLength) => {
          const bytes = mutate(golden, ms, fixLength);
          let d: ShimEvent;
          try {
            d = decode(bytes);
          } catch (err) {
            if (!(err instanceof SockgateError)) throw err;
            outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1);
            return;
          }
          outcomes.set("decoded", (outcomes.get("decoded") ?? 0) + 1);
          let again: Uint8Array;
          try {
            again = encode(d);
          } catch (err) {
            // Only a string that grew when invalid UTF-8 became U+FFFD may fail to fit.
            if (!(err instanceof SockgateError) || err.code !== "SG_ERR_BAD_VALUE") throw err;
            expect(err.message).toMatch(/field (comm|exePath|argv): expected at most/);
            return;
          }
          expect(decode(again)).toEqual(d);
        },
      ),
      { numRuns: Number(process.env.SG_FUZZ_RUNS ?? 4000) },
    );
    // The property is only worth something if both branches ran many times.
    expect(outcomes.get("decoded") ?? 0).toBeGreaterThan(200);
    expect(outcomes.size).toBeGreaterThanOrEqual(6);
  }, 600_000); // SG_FUZZ_RUNS=200000 takes about 6 s
});
