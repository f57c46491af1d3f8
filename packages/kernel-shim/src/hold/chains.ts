// sockgate's own iptables chains (iptables and ip6tables, nft backend), one set per network
// namespace. raw OUTPUT runs before conntrack and NAT, so a DNAT (Docker's, kube-proxy's,
// a REDIRECT) cannot change the address the hold match and the queue reader see:
//
//   raw    OUTPUT -> SOCKGATE-HOLD:   packets of held sockets -> NFQUEUE (no bypass: with no
//                                     reader the kernel drops them)
//   filter OUTPUT -> SOCKGATE-REJECT: a packet the reader denied carries REJECT_MARK; TCP
//                                     gets a reset (the caller sees ECONNREFUSED), the rest is dropped
//
// Each built-in chain gets exactly one jump, first in the chain; removal takes out exactly
// what was added and leaves other tools' rules alone. Commands run inside the namespace
// with nsenter --net, which (unlike `ip netns exec`) keeps /sys/fs/bpf visible for
// -m bpf --object-pinned.
import { execFile, execFileSync } from "node:child_process";
import { SockgateError } from "@sockgate/protocol";

export interface ChainOptions {
  /** /run/netns/NAME or /proc/PID/ns/net; undefined: this process's namespace. */
  netnsPath?: string;
  queueNum: number;
  /** sg_hold_match pinned on bpffs (shim.holdMatchPin). */
  holdMatchPin: string;
  rejectMark: number;
  /** Chain names are PREFIX-HOLD and PREFIX-REJECT; default SOCKGATE. */
  prefix?: string;
}

const TOOLS = ["iptables", "ip6tables"] as const;
type Tool = (typeof TOOLS)[number];

function chainNames(prefix = "SOCKGATE"): { hold: string; reject: string } {
  if (!/^[A-Z][A-Z0-9_-]{0,20}$/.test(prefix)) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `chain prefix is invalid: expected 1-21 of A-Z, 0-9, _ and - starting with a letter, got ${JSON.stringify(prefix)}`);
  }
  return { hold: `${prefix}-HOLD`, reject: `${prefix}-REJECT` };
}

function run(netnsPath: string | undefined, cmd: string, args: string[], input?: string): { ok: boolean; out: string } {
  const argv = netnsPath === undefined ? [cmd, ...args] : ["nsenter", `--net=${netnsPath}`, "--", cmd, ...args];
  try {
    const out = execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
    return { ok: true, out };
  } catch (err) {
    const e = err as { stderr?: string; status?: number };
    return { ok: false, out: `${(e.stderr ?? "").trim()} (exit ${e.status ?? "?"})` };
  }
}

function must(netnsPath: string | undefined, cmd: string, args: string[], input?: string): string {
  const r = run(netnsPath, cmd, args, input);
  if (!r.ok) {
    throw new SockgateError("SG_ERR_HOLD_CHAINS", `${cmd} ${args.join(" ")} failed in ${netnsPath ?? "this namespace"}: ${r.out}`);
  }
  return r.out;
}

function ruleset(o: ChainOptions): string {
  const { hold, reject } = chainNames(o.prefix);
  const match = `-m bpf --object-pinned ${o.holdMatchPin}`;
  const queue = `-j NFQUEUE --queue-num ${o.queueNum}`;
  const mark = `-m mark --mark 0x${o.rejectMark.toString(16)}/0xffffffff`;
  return [
    "*raw",
    `:${hold} - [0:0]`,
    // Every packet of a socket with a held flow, not its SYN alone: a simultaneous open
    // (the peer's SYN met by the held socket's SYN-ACK) or a socket in TCP_REPAIR sends
    // other segments before the flow is decided.
    `-A ${hold} ${match} ${queue}`,
    "COMMIT",
    "*filter",
    `:${reject} - [0:0]`,
    `-A ${reject} -p tcp ${mark} -j REJECT --reject-with tcp-reset`,
    `-A ${reject} ${mark} -j DROP`,
    "COMMIT",
    "",
  ].join("\n");
}

/** The jumps sockgate owns in the built-in chains. */
function jumps(prefix?: string): Array<{ table: string; chain: string; target: string }> {
  const { hold, reject } = chainNames(prefix);
  return [
    { table: "raw", chain: "OUTPUT", target: hold },
    { table: "filter", chain: "OUTPUT", target: reject },
  ];
}

/** Rule numbers (1-based) of the jumps to target in table/chain. */
function jumpPositions(netnsPath: string | undefined, tool: Tool, table: string, chain: string, target: string): number[] {
  const rules = must(netnsPath, tool, ["-w", "-t", table, "-S", chain]).split("\n").filter((l) => l.startsWith("-A "));
  return rules.flatMap((l, i) => (l === `-A ${chain} -j ${target}` ? [i + 1] : []));
}

/**
 * Writes (or rewrites, atomically per table) sockgate's chains and makes its jump the
 * first rule of each built-in chain, exactly once. Idempotent: a restart that finds the
 * chains missing, or another tool's rule above the jump, puts them back.
 */
export function ensureChains(o: ChainOptions): void {
  if (!Number.isInteger(o.queueNum) || o.queueNum < 0 || o.queueNum > 65535) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `queueNum is invalid: expected an integer 0..65535, got ${String(o.queueNum)}`);
  }
  for (const tool of TOOLS) {
    must(o.netnsPath, `${tool}-restore`, ["-w", "--noflush"], ruleset(o));
    for (const j of jumps(o.prefix)) {
      const at = jumpPositions(o.netnsPath, tool, j.table, j.chain, j.target);
      if (at.length === 1 && at[0] === 1) continue;
      for (let n = at.length; n > 0; n--) must(o.netnsPath, tool, ["-w", "-t", j.table, "-D", j.chain, "-j", j.target]);
      must(o.netnsPath, tool, ["-w", "-t", j.table, "-I", j.chain, "1", "-j", j.target]);
    }
  }
}

function runAsync(netnsPath: string | undefined, cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const argv = netnsPath === undefined ? [cmd, ...args] : ["nsenter", `--net=${netnsPath}`, "--", cmd, ...args];
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { encoding: "utf8" }, (err, stdout, stderr) => resolve(err ? { ok: false, out: stderr.trim() } : { ok: true, out: stdout }));
  });
}

/** The built-in chain's rules (iptables -S output) start with sockgate's jump. */
function jumpFirst(rules: string, j: { chain: string; target: string }): boolean {
  return rules.split("\n").find((l) => l.startsWith("-A ")) === `-A ${j.chain} -j ${j.target}`;
}

/** True when both tools have sockgate's jumps first and its chains present. */
export function chainsInPlace(o: Pick<ChainOptions, "netnsPath" | "prefix">): boolean {
  return TOOLS.every((tool) =>
    jumps(o.prefix).every((j) => {
      const r = run(o.netnsPath, tool, ["-w", "-t", j.table, "-S", j.chain]);
      return r.ok && jumpFirst(r.out, j) && run(o.netnsPath, tool, ["-w", "-t", j.table, "-S", j.target]).ok;
    }),
  );
}

/** chainsInPlace without blocking the event loop (for periodic checks while flows are held). */
export async function chainsInPlaceAsync(o: Pick<ChainOptions, "netnsPath" | "prefix">): Promise<boolean> {
  for (const tool of TOOLS) {
    for (const j of jumps(o.prefix)) {
      const r = await runAsync(o.netnsPath, tool, ["-w", "-t", j.table, "-S", j.chain]);
      if (!r.ok || !jumpFirst(r.out, j) || !(await runAsync(o.netnsPath, tool, ["-w", "-t", j.table, "-S", j.target])).ok) return false;
    }
  }
  return true;
}

/** Removes exactly what ensureChains added; other rules stay. Safe to call twice. */
export function removeChains(o: Pick<ChainOptions, "netnsPath" | "prefix">): void {
  for (const tool of TOOLS) {
    for (const j of jumps(o.prefix)) {
      while (run(o.netnsPath, tool, ["-w", "-t", j.table, "-D", j.chain, "-j", j.target]).ok) {
        // every copy of the jump goes
      }
      if (run(o.netnsPath, tool, ["-w", "-t", j.table, "-S", j.target]).ok) {
        must(o.netnsPath, tool, ["-w", "-t", j.table, "-F", j.target]);
        must(o.netnsPath, tool, ["-w", "-t", j.table, "-X", j.target]);
      }
    }
  }
}

/** Splits an `iptables -S` line into arguments (double-quoted ones, e.g. comments, kept whole). */
function ruleArgs(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]!));
}

/**
 * Re-reads a pinned xt_bpf program in every rule of the raw table that names it (iptables
 * and ip6tables): a rule keeps the program it opened, so after the pin is replaced each one
 * is replaced in place (-R), atomically, with the same text. Returns how many were replaced.
 */
export function reloadPinnedMatch(netnsPath: string | undefined, pin: string): number {
  let replaced = 0;
  for (const tool of TOOLS) {
    const r = run(netnsPath, tool, ["-w", "-t", "raw", "-S"]);
    if (!r.ok) continue; // no raw table in this namespace: nothing names the pin
    const index = new Map<string, number>();
    for (const line of r.out.split("\n")) {
      if (!line.startsWith("-A ")) continue;
      const args = ruleArgs(line);
      const chain = args[1]!;
      const n = (index.get(chain) ?? 0) + 1;
      index.set(chain, n);
      const at = args.indexOf("--object-pinned");
      if (at < 0 || args[at + 1] !== pin) continue;
      must(netnsPath, tool, ["-w", "-t", "raw", "-R", chain, String(n), ...args.slice(2)]);
      replaced++;
    }
  }
  return replaced;
}
