// The seam where a held call is decided: the daemon takes a `decide(request)` and applies
// its verdict. The decision engine plugs in here (issue 9); until then a fixed answer or
// none at all (every held flow gets the timeout default) stands in.
import type { Request } from "@sockgate/protocol";

/** How long the kernel may keep answering like this without asking again. */
export type VerdictCache =
  /** this flow only (the socket and peer): later calls of the same flow pass or fail at once */
  | { scope: "flow" }
  /** this executable and user to this peer, until the rules change (the daemon withdraws it) */
  | { scope: "rules" }
  /** as "rules", until `until` (Date.now() ms): the kernel itself stops honouring it then */
  | { scope: "deadline"; until: number };

export interface Verdict {
  action: "allow" | "deny";
  /** Why, for the log and history: "rule curl-web", "timeout", "answered". */
  reason: string;
  /** Echoed by the kernel in later events of calls this verdict answers (the rule's tag). */
  tag?: number;
  cache: VerdictCache;
}

/** A verdict at once (a rule answered), or later (a person is asked). */
export type Decide = (request: Request) => Verdict | Promise<Verdict>;

/** A decider that gives the same answer to every question (tests, benchmarks, --answer). */
export function fixedDecide(action: "allow" | "deny", cache: VerdictCache = { scope: "flow" }): Decide {
  const verdict: Verdict = { action, reason: `fixed answer (--answer ${action})`, cache };
  return () => verdict;
}

/** No decider: every question waits for the timeout, and the timeout default applies. */
export const noDecide: Decide = () => new Promise<Verdict>(() => undefined);
