import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { event } from "@sockgate/protocol";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { PendingFlow, VerdictKey } from "./types.js";
import { decodeVerdictKey, encodeVerdictKey } from "./verdict-layout.js";

// exeDev and exeIno have one type everywhere: exeDev a number (the kernel's dev_t is 32
// bits), exeIno a bigint (inode numbers are 64 bits), in events, DNS records, verdict keys
// and pending flows alike, so an event's identity is a key's identity without conversion.

const vectors = join(dirname(createRequire(import.meta.url).resolve("@sockgate/protocol/package.json")), "vectors");
const golden = (name: string): Uint8Array =>
  Uint8Array.from(readFileSync(join(vectors, `${name}.txt`), "utf8").replace(/#.*$/gm, "").match(/[0-9a-f]{2}/g) ?? [], (h) => parseInt(h, 16));

describe("exeDev/exeIno types", () => {
  it("an event's identity is a verdict key's identity, as is", () => {
    const ev = event.decode(golden("ipv4-connect-deny"));
    expect(typeof ev.exeDev).toBe("number");
    expect(typeof ev.exeIno).toBe("bigint");
    const key: VerdictKey = { exeDev: ev.exeDev, exeIno: ev.exeIno, uid: ev.uid, op: ev.op, proto: ev.proto, addr: ev.remoteAddr, port: ev.remotePort };
    expect(decodeVerdictKey(encodeVerdictKey(key))).toMatchObject({ exeDev: 0x800001, exeIno: 1234567n });
  });

  it("the same TypeScript types in events, keys and pending flows", () => {
    type Ev = ReturnType<typeof event.decode>;
    expectTypeOf<Ev["exeDev"]>().toEqualTypeOf<VerdictKey["exeDev"]>();
    expectTypeOf<Ev["exeIno"]>().toEqualTypeOf<VerdictKey["exeIno"]>();
    expectTypeOf<PendingFlow["exeDev"]>().toEqualTypeOf<VerdictKey["exeDev"]>();
    expectTypeOf<PendingFlow["exeIno"]>().toEqualTypeOf<VerdictKey["exeIno"]>();
  });
});
