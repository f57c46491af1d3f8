// Loads the golden vectors in ../vectors: NAME.txt holds the bytes (hex, '#' comments),
// NAME.json the decoded ShimEvent (bigint fields as decimal strings, exeDev a number,
// unknown data as hex).

import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ShimEvent } from "../src/event-codec.js";

export const VECTORS_DIR = fileURLToPath(new URL("../vectors/", import.meta.url));

const U64_FIELDS = ["cgroupId", "exeIno", "cookie", "ktime"] as const;
const OPTIONAL_U64_FIELDS = ["startTime", "execId"] as const;

export interface GoldenVector {
  name: string;
  bytes: Uint8Array;
  event: ShimEvent;
}

export function parseHexVector(text: string, name = "vector"): Uint8Array {
  const out: number[] = [];
  text.split("\n").forEach((line, i) => {
    const code = line.replace(/#.*/, "").trim();
    if (code === "") return;
    for (const tok of code.split(/\s+/)) {
      if (!/^[0-9a-fA-F]{2}$/.test(tok)) throw new Error(`${name}:${i + 1}: "${tok}" is not a hex byte`);
      out.push(parseInt(tok, 16));
    }
  });
  return Uint8Array.from(out);
}

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function vectorNames(): string[] {
  return readdirSync(VECTORS_DIR)
    .filter((f) => f.endsWith(".txt"))
    .map((f) => f.slice(0, -4))
    .sort();
}

export function loadVector(name: string): GoldenVector {
  const bytes = parseHexVector(readFileSync(`${VECTORS_DIR}${name}.txt`, "utf8"), `${name}.txt`);
  const json = JSON.parse(readFileSync(`${VECTORS_DIR}${name}.json`, "utf8")) as Record<string, unknown>;
  for (const f of U64_FIELDS) json[f] = BigInt(json[f] as string);
  // optional: a record from a shim older than these attributes lacks them
  for (const f of OPTIONAL_U64_FIELDS) if (json[f] !== undefined) json[f] = BigInt(json[f] as string);
  json.unknown = (json.unknown as { type: number; data: string }[]).map((u) => ({ type: u.type, data: hexToBytes(u.data) }));
  return { name, bytes, event: json as unknown as ShimEvent };
}
