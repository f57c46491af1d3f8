import { parseArgs } from "node:util";

export interface DaemonArgs {
  cgroup: string | undefined;
  pinDir: string;
  unload: boolean;
  reportAllows: boolean;
  json: boolean;
  unknown: "allow" | "deny";
}

export const USAGE = `usage: sockgated [--cgroup DIR] [--pin-dir DIR] [--report-allows] [--json]
       sockgated --unload [--pin-dir DIR]
  --cgroup DIR      cgroup v2 directory to enforce on (default: the cgroup2 root)
  --pin-dir DIR     bpffs directory for pinned links and maps (default: /sys/fs/bpf/sockgate)
  --report-allows   also report allowed calls
  --json            print events as JSON lines
  --unknown allow|deny  what calls with no verdict get (default: allow and report, until
                    the decision engine answers them; deny fails closed)
  --unload          detach the shim and remove its pins, then exit`;

export function parseDaemonArgs(argv: string[]): DaemonArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      cgroup: { type: "string" },
      "pin-dir": { type: "string", default: "/sys/fs/bpf/sockgate" },
      unload: { type: "boolean", default: false },
      "report-allows": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      unknown: { type: "string", default: "allow" },
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
    unknown: parseUnknown(values.unknown),
  };
}

function parseUnknown(value: string | undefined): "allow" | "deny" {
  if (value === undefined || value === "allow" || value === "deny") return value ?? "allow";
  throw new Error(`--unknown must be "allow" or "deny", got ${JSON.stringify(value)}`);
}
