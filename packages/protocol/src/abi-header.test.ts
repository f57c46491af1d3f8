// Drift test: abi.ts (and the codec's attribute order) must say what abi/sockgate-abi.h
// says. The header is parsed with a few regular expressions; it is kept simple enough
// (one enum member or #define per line, size asserts as sums of products) for that.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as abi from "./abi.js";
import { DNS_LAYOUT } from "./dns-record-codec.js";
import { EVENT_LAYOUT } from "./event-codec.js";
import { NLA_HDRLEN, attributeLength } from "./nlattr.js";

const HEADER = readFileSync(new URL("../abi/sockgate-abi.h", import.meta.url), "utf8")
  .replace(/\/\*[\s\S]*?\*\//g, "")
  .replace(/\/\/.*$/gm, "");

const defines = new Map<string, number>();
for (const m of HEADER.matchAll(/^#define\s+(SG_\w+)\s+(0x[0-9a-fA-F]+|\d+)\s*$/gm)) {
  defines.set(m[1]!, Number(m[2]));
}

const enums = new Map<string, Map<string, number>>();
const constants = new Map<string, number>(defines);
for (const m of HEADER.matchAll(/enum\s+(\w+)\s*\{([^}]*)\}/g)) {
  const members = new Map<string, number>();
  for (const entry of m[2]!.split(",")) {
    const e = /^\s*(\w+)\s*=\s*(\w+)\s*$/.exec(entry);
    if (!e) {
      if (entry.trim() !== "") throw new Error(`enum ${m[1]}: cannot parse "${entry.trim()}"`);
      continue;
    }
    const value = /^\d+$/.test(e[2]!) ? Number(e[2]) : members.get(e[2]!);
    if (value === undefined) throw new Error(`enum ${m[1]}: ${e[1]} = ${e[2]} refers to an unknown name`);
    members.set(e[1]!, value);
    constants.set(e[1]!, value);
  }
  enums.set(m[1]!, members);
}

/** Evaluates the header's size expressions: sums of products of numbers and names. */
function evaluate(expr: string): number {
  return expr.split("+").reduce(
    (sum, term) =>
      sum +
      term.split("*").reduce((product, factor) => {
        const f = factor.trim();
        const v = /^\d+$/.test(f) ? Number(f) : constants.get(f);
        if (v === undefined) throw new Error(`size expression "${expr}": unknown name "${f}"`);
        return product * v;
      }, 1),
    0,
  );
}

const sizes = new Map<string, number>();
for (const m of HEADER.matchAll(/^SG_ASSERT_SIZE\((\w+),\s*(.*)\);\s*$/gm)) {
  sizes.set(m[1]!, evaluate(m[2]!));
}

function enumOf(name: string): Record<string, number> {
  const e = enums.get(name);
  if (!e) throw new Error(`enum ${name} not found in the header`);
  return Object.fromEntries(e);
}

/** TS name table -> {SG_PREFIX_NAME: index}, skipping unused slots. */
function fromTable(prefix: string, names: readonly string[], skip: number[] = []): Record<string, number> {
  return Object.fromEntries(
    names.flatMap((n, i) => (skip.includes(i) ? [] : [[`${prefix}${n.toUpperCase()}`, i] as const])),
  );
}

describe("abi.ts mirrors abi/sockgate-abi.h", () => {
  it("parsed the header", () => {
    expect(enums.size).toBeGreaterThanOrEqual(8);
    expect(sizes.size).toBeGreaterThanOrEqual(10);
  });

  it("#define constants", () => {
    expect(defines.get("SG_ABI_VERSION")).toBe(abi.ABI_VERSION);
    expect(defines.get("SG_MSG_EVENT")).toBe(abi.MSG_EVENT);
    expect(defines.get("SG_MSG_DNS")).toBe(abi.MSG_DNS);
    expect(defines.get("SG_DNS_MAX")).toBe(abi.DNS_MAX);
    expect(defines.get("SG_PATH_MAX")).toBe(abi.PATH_MAX);
    expect(defines.get("SG_ARGV_MAX")).toBe(abi.ARGV_MAX);
    expect(defines.get("SG_COMM_LEN")).toBe(abi.COMM_LEN);
    expect(defines.get("SG_LINEAGE_MAX")).toBe(abi.LINEAGE_MAX);
    expect(defines.get("SG_LINEAGE_BLOOM_BITS")).toBe(abi.LINEAGE_BLOOM_BITS);
    expect(defines.get("SG_NLA_HDRLEN")).toBe(NLA_HDRLEN);
    expect(defines.get("SG_LAYER_ADDR")).toBe(abi.LAYER_ADDR);
    expect(defines.get("SG_LAYER_PORT")).toBe(abi.LAYER_PORT);
    expect(defines.get("SG_UID_ANY")).toBe(abi.UID_ANY);
    expect(defines.get("SG_SCOPE_GOVERNED")).toBe(abi.SCOPE_GOVERNED);
    expect(defines.get("SG_NETNS_DNS_ONLY")).toBe(abi.NETNS_DNS_ONLY);
    expect(defines.get("SG_SCOPE_EXEMPT")).toBe(abi.SCOPE_EXEMPT);
    // Every event flag the header defines is mirrored, not only the ones listed here first.
    expect(Object.fromEntries([...defines].filter(([name]) => name.startsWith("SG_EF_")))).toEqual({
      SG_EF_PATH_TRUNCATED: abi.EVENT_FLAG_PATH_TRUNCATED,
      SG_EF_NO_EXE: abi.EVENT_FLAG_NO_EXE,
      SG_EF_NOT_DENIABLE: abi.EVENT_FLAG_NOT_DENIABLE,
      SG_EF_DELETED: abi.EVENT_FLAG_DELETED,
      SG_EF_FOREIGN_MNTNS: abi.EVENT_FLAG_FOREIGN_MNTNS,
      SG_EF_MEMFD: abi.EVENT_FLAG_MEMFD,
      SG_EF_EXE_CHANGED: abi.EVENT_FLAG_EXE_CHANGED,
      SG_EF_UNRECORDED: abi.EVENT_FLAG_UNRECORDED,
      SG_EF_ARGV_TRUNCATED: abi.EVENT_FLAG_ARGV_TRUNCATED,
    });
    expect(Object.fromEntries([...defines].filter(([name]) => name.startsWith("SG_OWNER_")))).toEqual({
      SG_OWNER_LISTEN_DENIED: abi.OWNER_LISTEN_DENIED,
      SG_OWNER_LISTENER: abi.OWNER_LISTENER,
      SG_OWNER_PREEXISTING: abi.OWNER_PREEXISTING,
      SG_OWNER_BOUND: abi.OWNER_BOUND,
      SG_OWNER_HELD: abi.OWNER_HELD,
      SG_OWNER_DNS: abi.OWNER_DNS,
    });
  });

  it.each([
    ["sg_op", "SG_OP_", abi.OPS, [], "SG_OP_COUNT"],
    ["sg_proto", "SG_PROTO_", abi.PROTOS, [], null],
    ["sg_verdict", "SG_VERDICT_", abi.VERDICTS, [], null],
    ["sg_reason", "SG_REASON_", abi.REASONS, [0], null],
    ["sg_policy", "SG_POLICY_", abi.POLICIES, [], null],
    ["sg_hook", "SG_HOOK_", abi.HOOKS, [], "SG_HOOK_COUNT"],
    ["sg_counter", "SG_CNT_", abi.COUNTERS, [], "SG_CNT_COUNT"],
  ] as const)("enum %s", (name, prefix, table, skip, count) => {
    const expected = fromTable(prefix, table, [...skip]);
    if (count) expected[count] = table.length;
    expect(enumOf(name)).toEqual(expected);
  });

  it("enum sg_dns_attr", () => {
    const expected: Record<string, number> = { SG_D_UNSPEC: 0 };
    for (const [k, v] of Object.entries(abi.DnsAttr)) expected[`SG_D_${k}`] = v;
    expected.SG_D_MAX = Math.max(...Object.values(abi.DnsAttr));
    expect(enumOf("sg_dns_attr")).toEqual(expected);
  });

  it("the DNS codec writes attributes in struct sg_dns_event member order", () => {
    const body = /struct\s+sg_dns_event\s*\{([^}]*)\}/.exec(HEADER)?.[1];
    expect(body).toBeDefined();
    const members = [...body!.matchAll(/struct\s+(\w+)\s+([^;]+);/g)]
      .filter((m) => m[1] !== "sg_msg_hdr")
      .flatMap((m) => m[2]!.split(",").map((s) => s.trim()));
    expect(members.map((m) => m.toUpperCase())).toEqual(DNS_LAYOUT.map((e) => e.attr));
  });

  it("enum sg_attr", () => {
    const expected: Record<string, number> = { SG_A_UNSPEC: 0 };
    for (const [k, v] of Object.entries(abi.Attr)) expected[`SG_A_${k}`] = v;
    expected.SG_A_MAX = Math.max(...Object.values(abi.Attr));
    expect(enumOf("sg_attr")).toEqual(expected);
  });

  it("struct sizes", () => {
    const mirrored = {
      sg_verdict_key: abi.SIZEOF.verdictKey,
      sg_verdict_value: abi.SIZEOF.verdictValue,
      sg_flow_key: abi.SIZEOF.flowKey,
      sg_pending: abi.SIZEOF.pending,
      sg_lineage: abi.SIZEOF.lineage,
      sg_budget: abi.SIZEOF.budget,
      sg_sock_pending: abi.SIZEOF.sockPending,
      sg_tuple: abi.SIZEOF.tuple,
      sg_release_args: abi.SIZEOF.releaseArgs,
      sg_sock_owner: abi.SIZEOF.sockOwner,
      sg_app_key: abi.SIZEOF.appKey,
      sg_config: abi.SIZEOF.config,
      sg_counters: abi.SIZEOF.counters,
      sg_msg_hdr: abi.SIZEOF.msgHdr,
      sg_event: abi.SIZEOF.event,
      sg_dns_event: abi.SIZEOF.dnsEvent,
      sg_attr_dns: NLA_HDRLEN + abi.DNS_MAX,
      sg_attr_u32: attributeLength(4),
      sg_attr_u64: attributeLength(8),
      sg_attr_addr: attributeLength(16),
      sg_attr_comm: attributeLength(abi.COMM_LEN),
      sg_attr_path: NLA_HDRLEN + abi.PATH_MAX,
      sg_attr_argv: NLA_HDRLEN + abi.ARGV_MAX,
    };
    // Kernel-side map layouts no TypeScript reads; a new struct must be added to one list.
    const kernelOnly = ["sg_delegation", "sg_exe_key", "sg_exe_path", "sg_sock_ident", "sg_task_ident"];
    expect([...sizes.keys()].sort()).toEqual([...Object.keys(mirrored), ...kernelOnly].sort());
    for (const [struct, size] of Object.entries(mirrored)) expect([struct, sizes.get(struct)]).toEqual([struct, size]);
  });

  it("the codec writes attributes in struct sg_event member order", () => {
    const body = /struct\s+sg_event\s*\{([^}]*)\}/.exec(HEADER)?.[1];
    expect(body).toBeDefined();
    const members = [...body!.matchAll(/struct\s+(\w+)\s+([^;]+);/g)]
      .filter((m) => m[1] !== "sg_msg_hdr")
      .flatMap((m) => m[2]!.split(",").map((s) => s.trim()));
    expect(members.map((m) => m.toUpperCase())).toEqual(EVENT_LAYOUT.map((e) => e.attr));
  });
});
