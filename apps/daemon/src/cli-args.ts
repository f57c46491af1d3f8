import { parseArgs } from "node:util";

export interface DaemonArgs {
  cgroup: string | undefined;
  pinDir: string;
  unload: boolean;
  reportAllows: boolean;
  json: boolean;
  /** What connect/send/accept with no verdict get; socket/bind/listen get allow-and-report or deny. */
  unknown: "allow" | "deny" | "hold";
  /** A fixed answer to every held flow (until the engine decides); undefined: none, so the timeout default applies. */
  answer: "allow" | "deny" | undefined;
  holdTimeoutMs: number;
  timeoutAction: "allow" | "deny";
  /** Namespaces to hold in; empty: the daemon's own. */
  holdNetns: string[];
  queueNum: number;
}

export const USAGE = `usage: sockgated [--cgroup DIR] [--pin-dir DIR] [--report-allows] [--json]
                 [--unknown allow|deny|hold] [--answer allow|deny] [--hold-timeout-ms N]
                 [--timeout-action allow|deny] [--hold-netns PATH]... [--queue-num N]
       sockgated --unload [--pin-dir DIR]
  --cgroup DIR        cgroup v2 directory to enforce on (default: the cgroup2 root)
  --pin-dir DIR       bpffs directory for pinned links and maps (default: /sys/fs/bpf/sockgate)
  --report-allows     also report allowed calls
  --json              print events as JSON lines
  --unknown P         what connect, send and accept with no verdict get (default allow, until
                      the decision engine answers them): allow and report, deny (fail closed),
                      or hold until decided; socket, bind and listen cannot be held: with hold
                      they are allowed and reported
  --answer A          answer every held flow with A at once (tests, benchmarks); without it
                      nothing decides yet and every held flow gets the timeout default
  --hold-timeout-ms N how long a held flow waits for its answer (default 60000)
  --timeout-action A  what a held flow gets at the timeout (default deny)
  --hold-netns PATH   hold in this network namespace (repeatable; default: the daemon's own)
  --queue-num N       NFQUEUE number sockgate reads (default 7351)
  --unload            detach the shim and remove its pins, then exit`;

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], dflt: T): T;
function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], dflt: undefined): T | undefined;
function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], dflt: T | undefined): T | undefined {
  if (value === undefined) return dflt;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${flag} must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got ${JSON.stringify(value)}`);
}

function integer(flag: string, value: string | undefined, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new Error(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export function parseDaemonArgs(argv: string[]): DaemonArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      cgroup: { type: "string" },
      "pin-dir": { type: "string", default: "/sys/fs/bpf/sockgate" },
      unload: { type: "boolean", default: false },
      "report-allows": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      unknown: { type: "string" },
      answer: { type: "string" },
      "hold-timeout-ms": { type: "string" },
      "timeout-action": { type: "string" },
      "hold-netns": { type: "string", multiple: true },
      "queue-num": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    cgroup: values.cgroup,
    pinDir: values["pin-dir"] ?? "/sys/fs/bpf/sockgate",
    unload: values.unload ?? false,
    reportAllows: values["report-allows"] ?? false,
    json: values.json ?? false,
    unknown: oneOf("--unknown", values.unknown, ["allow", "deny", "hold"] as const, "allow"),
    answer: oneOf("--answer", values.answer, ["allow", "deny"] as const, undefined),
    holdTimeoutMs: integer("--hold-timeout-ms", values["hold-timeout-ms"], 60_000, 1, 24 * 3600_000),
    timeoutAction: oneOf("--timeout-action", values["timeout-action"], ["allow", "deny"] as const, "deny"),
    holdNetns: values["hold-netns"] ?? [],
    queueNum: integer("--queue-num", values["queue-num"], 7351, 0, 65535),
  };
}
