// What `sockgate status` shows. The daemon section and the API section are always there;
// the others appear as the daemon has them (a daemon without a shim has no maps).

export interface Status {
  daemon: { version: string; pid: number; startedAt: number };
  /** Filled in by the API server itself. */
  api: { interface: string; connections: number; promptSubscribers: number };
  prompts?: { pending: number };
  flows?: { pending: number; queueDrops: number };
  /** Per kernel map (verdicts, pending, ...): entries used and capacity. */
  maps?: Record<string, { used: number; capacity: number }>;
  /** Shim counters per hook, as numbers. */
  counters?: Record<string, Record<string, number>>;
  /** The governed users and cgroups, and what system rules cannot enforce outside them. */
  governed?: { users: string; cgroups: string[]; notes?: string[] };
  /** Per failure path (daemon down, queue full, nobody listening, ...): what applies. */
  failure?: Record<string, "allow" | "deny">;
  kernelFeatures?: Record<string, boolean>;
}
