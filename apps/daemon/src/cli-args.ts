import { parseArgs } from "node:util";
import { DEFAULT_CONFIG_PATH } from "./config/load.js";

// Command-line flags override the configuration file (the tests and benchmarks use them);
// a flag left out leaves the file's value (undefined here).
export interface DaemonArgs {
  config: string;
  unload: boolean;
  cgroup: string | undefined;
  pinDir: string | undefined;
  reportAllows: boolean;
  /** What connect/send/accept with no verdict get: hold (the default, the engine decides), allow-and-report, or deny. */
  unknown: "allow" | "deny" | "hold";
  /** A fixed answer to every held flow instead of the engine (tests, benchmarks). */
  answer: "allow" | "deny" | undefined;
  holdTimeoutMs: number | undefined;
  timeoutAction: "allow" | "deny" | undefined;
  holdNetns: string[] | undefined;
  queueNum: number | undefined;
}

export const USAGE = `usage: sockgated [--config FILE] [--cgroup DIR] [--pin-dir DIR] [--report-allows]
                 [--unknown hold|allow|deny] [--answer allow|deny] [--hold-timeout-ms N]
                 [--timeout-action allow|deny] [--hold-netns PATH]... [--queue-num N]
       sockgated --unload [--pin-dir DIR]
  --config FILE       configuration (default ${DEFAULT_CONFIG_PATH}; missing: every default)
  --cgroup DIR        cgroup v2 directory to enforce on (config cgroup; default the cgroup2 root)
  --pin-dir DIR       bpffs directory for pinned links and maps (config pinDir)
  --report-allows     the kernel also reports the calls it allows
  --unknown P         what connect, send and accept with no verdict get: hold until decided
                      (default: the engine decides, people are asked), allow and report, or deny
  --answer A          answer every held flow with A at once instead of the engine (tests, benchmarks)
  --hold-timeout-ms N how long a prompt waits for its answer (config prompts.timeoutMs)
  --timeout-action A  what an unanswered prompt resolves to (config prompts.timeoutAction)
  --hold-netns PATH   hold in this network namespace (repeatable; config hold.namespaces)
  --queue-num N       NFQUEUE number sockgate reads (config hold.queueNum)
  --unload            detach the shim and remove its pins, then exit`;

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${flag} must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got ${JSON.stringify(value)}`);
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new Error(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export function parseDaemonArgs(argv: string[]): DaemonArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      cgroup: { type: "string" },
      "pin-dir": { type: "string" },
      unload: { type: "boolean", default: false },
      "report-allows": { type: "boolean", default: false },
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
    config: values.config ?? DEFAULT_CONFIG_PATH,
    unload: values.unload ?? false,
    cgroup: values.cgroup,
    pinDir: values["pin-dir"],
    reportAllows: values["report-allows"] ?? false,
    unknown: oneOf("--unknown", values.unknown, ["allow", "deny", "hold"] as const) ?? "hold",
    answer: oneOf("--answer", values.answer, ["allow", "deny"] as const),
    holdTimeoutMs: integer("--hold-timeout-ms", values["hold-timeout-ms"], 1, 24 * 3600_000),
    timeoutAction: oneOf("--timeout-action", values["timeout-action"], ["allow", "deny"] as const),
    holdNetns: values["hold-netns"],
    queueNum: integer("--queue-num", values["queue-num"], 0, 65535),
  };
}
