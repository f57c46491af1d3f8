// pnpm bench:engine — decision time with 10 and 10,000 rules, list load and lookup at
// 100,000 entries. Runs against dist/ (built first by the package's bench script).
// Last line: engine eval_10k_median_us=<a> list_load_100k_ms=<b> list_lookup_100k_us=<c>

import type { Request } from "@sockgate/protocol";
import type { Rule } from "../dist/index.js";
import { parseList } from "../dist/index.js";
import { addressWords, compileRules, decide, VerdictCache } from "../dist/match.js";

let seed = 42;
const rand = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
};
const ip = (): string => `${1 + rand(222)}.${rand(256)}.${rand(256)}.${1 + rand(254)}`;
const word = (): string => Math.floor(rand(2 ** 30)).toString(36);
const EXES = Array.from({ length: 500 }, (_, i) => `/usr/bin/app${i}`);

function makeRules(n: number): Rule[] {
  const rules: Rule[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rand(10);
    const exe = EXES[rand(EXES.length)]!;
    const match: Rule["match"] =
      kind < 4
        ? { exe, operation: ["connect"], protocol: ["tcp"], remoteAddress: [ip()], remotePort: [443] }
        : kind < 6
          ? { exe, remoteHost: [`${word()}.example.org`] }
          : kind < 7
            ? { exe, remoteHost: [`*.${word()}.net`] }
            : kind < 8
              ? { exe, remoteAddress: [`10.${rand(256)}.0.0/16`], remotePort: [{ from: 8000, to: 8100 }] }
              : kind < 9
                ? { exeGlob: `/opt/${word()}/**`, localPort: [rand(65535)] }
                : { exe, cmdline: `python3 *${word()}.py*` };
    rules.push({
      schemaVersion: 1,
      id: `r${i}`,
      owner: rand(4) === 0 ? { kind: "system" } : { kind: "user", uid: 1000 + rand(3) },
      action: rand(3) === 0 ? "deny" : "allow",
      priority: rand(20) === 0 ? 1 : 0,
      duration: { kind: "forever" },
      match,
    });
  }
  // A handful of machine-wide rules every request must be checked against.
  for (let i = 0; i < 10 && n >= 100; i++) {
    rules.push({ schemaVersion: 1, id: `g${i}`, owner: { kind: "system" }, action: "deny", duration: { kind: "forever" }, match: { remoteAddress: [`192.0.${i}.0/24`] } });
  }
  return rules;
}

function makeRequests(n: number): Request[] {
  return Array.from({ length: n }, (_, i) => ({
    operation: "connect",
    protocol: "tcp",
    family: "ipv4",
    remote: { address: ip(), port: rand(2) ? 443 : 8080 },
    remoteHostNames: rand(2) ? [`${word()}.cdn.example.org`] : [],
    app: { exePath: EXES[rand(EXES.length)]!, exeDev: 1, exeIno: i, exePathVerified: true, uid: 1000 + rand(3), pid: 1, cmdline: ["python3", "x.py"], cmdlineSource: "exec" },
  }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median over batches of the mean microseconds per call within a batch. */
function timePerCall(batches: number, perBatch: number, fn: (i: number) => void): number {
  for (let i = 0; i < perBatch * 5; i++) fn(i); // warm-up
  const samples: number[] = [];
  let k = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) fn(k++);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / perBatch);
  }
  return median(samples);
}

const fmt = (x: number): string => x.toFixed(3);
const now = Date.now();
const requests = makeRequests(4096);
let sink = 0;

const results: Record<string, number> = {};
for (const n of [10, 10_000]) {
  const rules = makeRules(n);
  const t0 = process.hrtime.bigint();
  const compiled = compileRules(rules);
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const us = timePerCall(200, 1000, (i) => {
    if (decide(requests[i & 4095]!, compiled, now).action === "deny") sink++;
  });
  const cache = new VerdictCache({ max: 10_000 });
  const cachedUs = timePerCall(200, 1000, (i) => {
    if (cache.decide(requests[i & 4095]!, compiled, now).action === "deny") sink++;
  });
  results[n] = us;
  console.log(`rules=${n} compile_ms=${compileMs.toFixed(1)} eval_median_us=${fmt(us)} cached_eval_median_us=${fmt(cachedUs)}`);
}

function listText(format: "hosts" | "domains" | "cidr", n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    if (format === "cidr") lines.push(rand(4) === 0 ? `${1 + rand(222)}.${rand(256)}.${rand(256)}.0/24` : ip());
    else if (format === "hosts") lines.push(`0.0.0.0 ${word()}.${word()}.com`);
    else lines.push(`${word()}.${word()}.org`);
  }
  return lines.join("\n");
}

let worstLoad = 0;
let worstLookup = 0;
for (const format of ["hosts", "domains", "cidr"] as const) {
  const lookups: Record<number, number> = {};
  for (const n of [100, 100_000]) {
    const text = listText(format, n);
    const t0 = process.hrtime.bigint();
    const list = parseList(`bench-${format}`, text, format);
    const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const probesText = Array.from({ length: 4096 }, () => (format === "cidr" ? ip() : `www.${word()}.${word()}.${format === "hosts" ? "com" : "org"}`));
    const probes = format === "cidr" ? probesText.map(addressWords) : probesText;
    const us = timePerCall(200, 1000, (i) => {
      const p = probes[i & 4095]!;
      if (typeof p === "string" ? list.hasName(p) : list.hasAddress(p)) sink++;
    });
    lookups[n] = us;
    if (n === 100_000) {
      worstLoad = Math.max(worstLoad, loadMs);
      worstLookup = Math.max(worstLookup, us);
      console.log(`list format=${format} entries=${list.size} load_ms=${loadMs.toFixed(1)} lookup_median_us=${fmt(us)} (at 100 entries: ${fmt(lookups[100]!)})`);
    }
  }
}

if (sink < 0) console.log(sink);
console.log(`engine eval_10k_median_us=${fmt(results[10_000]!)} list_load_100k_ms=${worstLoad.toFixed(1)} list_lookup_100k_us=${fmt(worstLookup)}`);
