// The daemon's configuration (/etc/sockgate/config.json) as the code reads it: every field
// filled in. schema.ts describes the same shape for the file, with the defaults; the README
// of apps/daemon documents each field. config.schema.json is generated from schema.ts and a
// test fails when the two drift.

export type Action = "allow" | "deny";

export interface DaemonConfig {
  /** cgroup v2 directory the shim is attached to; null: the cgroup2 mount (every process). */
  cgroup: string | null;
  pinDir: string;
  store: { path: string; historyMaxRows: number; historyMaxAgeDays: number };
  api: { socket: string; adminGroup: string; answerExecutables: string[] | null };
  prompts: {
    timeoutMs: number;
    timeoutAction: Action;
    /** What a held call gets at once when its user has no UI subscribed (the prompt stays for review). */
    nobodyListening: Action;
    perAppLimit: number;
    windowMs: number;
    maxPendingPerUser: number;
  };
  hold: { namespaces: string[]; queueNum: number };
  governed: {
    /** "human": uid >= UID_MIN of /etc/login.defs, except nobody; or a list of uids and user names. */
    users: "human" | Array<number | string>;
    /** cgroup v2 paths (below the cgroup2 mount) governed whatever the uid, e.g. the sockgate shell's. */
    cgroups: string[];
  };
  dns: {
    /** Resolvers whose answers are believed; null: those of /etc/resolv.conf (and systemd-resolved's upstreams). */
    resolvers: string[] | null;
  };
  /** Write the default system rules (loopback, resolvers, DHCP, NTP) into a new store. */
  defaultRules: boolean;
  log: { level: "trace" | "debug" | "info" | "warn" | "error"; decidedAllows: boolean };
  /** Activity from the kernel's per-application counters is read this often. */
  countersIntervalMs: number;
}
