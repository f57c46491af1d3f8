// Hold and ask, daemon side: every held flow is asked once through `decide`, with a
// timeout whose default (deny unless configured) applies and is logged; the verdict goes
// back into the kernel for as long as it says (this flow, until the rules change, until a
// deadline), and sockets whose permission ends with it are ended too.
import type { FlowDecision, HeldFlow, Hold, HoldStatus, Shim, VerdictKey } from "@sockgate/kernel-shim";
import type { Decide, Verdict } from "./verdict.js";
import { requestOfFlow } from "./request-of-flow.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
/** `enabled`, when given, says whether a line at that level would be written: a held flow's
 *  answer then builds no line nobody reads (allows are debug by default). */
export type Log = ((level: LogLevel, message: string, fields?: Record<string, unknown>) => void) & { enabled?: (level: LogLevel) => boolean };

export interface HoldServiceDeps {
  shim: Shim;
  hold: Hold;
  decide: Decide;
  /** How long a held flow waits for `decide`. */
  timeoutMs: number;
  /** What a flow gets when `decide` has not answered in time (or failed). */
  timeoutAction: "allow" | "deny";
  log: Log;
  /** Network namespace path for a namespace cookie, to end sockets there; undefined: this one. */
  netnsPathOf: (netnsCookie: bigint) => string | undefined;
  /** Told after each answer is in the kernel (history, activity), at the end of the turn. */
  onAnswered?: (flow: HeldFlow, verdict: Verdict) => void;
  /** Log every answered allow at info (default: allows at debug, denies and timeouts at info/warn). */
  logAllows?: boolean;
}

export interface HoldServiceStatus {
  waiting: number;
  answered: { allow: number; deny: number; timeout: number; failed: number };
  /** identity entries kept until the rules change, and ones with a deadline still to come */
  ruleVerdicts: number;
  deadlines: number;
  hold: HoldStatus;
}

export interface HoldService {
  status(): HoldServiceStatus;
  /** The rules changed: withdraws every "until the rules change" entry and ends what they allowed. */
  withdrawRuleVerdicts(): number;
  stop(): void;
}

const isThenable = (v: Verdict | Promise<Verdict>): v is Promise<Verdict> => typeof (v as Partial<Promise<Verdict>>).then === "function";

const identId = (k: VerdictKey): string => `${k.exeDev}/${k.exeIno}/${k.uid}/${k.op}/${k.proto}/${k.addr ?? ""}/${k.port ?? ""}`;

export function startHoldService(d: HoldServiceDeps): HoldService {
  const answered = { allow: 0, deny: 0, timeout: 0, failed: 0 };
  const ruleKeys = new Map<string, { key: VerdictKey; allow: boolean; netns?: string }>();
  const deadlines = new Set<NodeJS.Timeout>();
  let waiting = 0;
  let stopped = false;

  const endFor = (keys: VerdictKey[], netns: string | undefined): void => {
    // an any-user entry allowed every user: end theirs all
    const idents = keys.map((k) => ({ exeIno: k.exeIno, exeDev: k.exeDev, ...(k.uid === "any" ? {} : { uid: k.uid }) }));
    const n = d.shim.endSockets({ idents }, [netns ?? ""]);
    if (n > 0) d.log("info", `ended ${n} socket(s) whose allow was withdrawn`, { sockets: n });
  };

  const fallback = (why: string): Verdict => {
    answered.failed++;
    return { action: d.timeoutAction, reason: `${why}: the timeout default applies`, cache: { scope: "flow" } };
  };

  /** The verdict now when the decider has it now (a rule), else a promise bounded by the timeout. */
  function ask(flow: HeldFlow): Verdict | Promise<Verdict> {
    let asked: Verdict | Promise<Verdict>;
    try {
      asked = d.decide(requestOfFlow(flow));
    } catch (err) {
      // the question could not be built or the decider threw: never a silent allow
      return fallback(`the held call could not be decided (${(err as Error).message})`);
    }
    return isThenable(asked) ? bounded(Promise.resolve(asked)) : asked;
  }

  async function bounded(asked: Promise<Verdict>): Promise<Verdict> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Verdict>((resolve) => {
      timer = setTimeout(() => {
        answered.timeout++;
        resolve({ action: d.timeoutAction, reason: `no answer within ${d.timeoutMs} ms: the timeout default applies`, cache: { scope: "flow" } });
      }, d.timeoutMs);
    });
    try {
      return await Promise.race([asked.catch((err: unknown) => fallback(`the decider failed (${(err as Error).message})`)), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  function apply(flow: HeldFlow, v: Verdict): void {
    const decision: FlowDecision = {
      verdict: v.action,
      tag: v.tag,
      cache: v.cache.scope === "flow" ? "flow" : "identity",
      ...(v.cache.scope === "deadline" ? { expiresAt: v.cache.until } : {}),
    };
    const r = d.hold.resolve(flow.key, decision);
    answered[v.action]++;
    const netns = d.netnsPathOf(flow.pending.netnsCookie);
    const p = flow.pending;
    const level = v.reason.startsWith("no answer") ? "warn" : v.action === "deny" || d.logAllows === true ? "info" : "debug";
    if (d.log.enabled?.(level) !== false) {
      d.log(level, `${v.action} held ${p.op} ${p.key.proto} to ${p.key.addr}:${p.key.port}: ${v.reason}`, {
        verdict: v.action,
        reason: v.reason,
        pid: p.tgid,
        uid: p.uid,
        exe: flow.event?.exePath,
        cache: v.cache.scope,
        packets: r.accepted + r.rejected + r.dropped,
        released: r.released,
      });
    }
    if (d.onAnswered !== undefined) {
      const done = d.onAnswered;
      // after the turn: the next held flow's answer goes first
      setImmediate(() => done(flow, v));
    }
    if (r.identityKey !== undefined && v.cache.scope === "rules") ruleKeys.set(identId(r.identityKey), { key: r.identityKey, allow: v.action === "allow", netns });
    if (r.identityKey !== undefined && v.cache.scope === "deadline") {
      const key = r.identityKey;
      // The kernel stops honouring the entry by itself; at the deadline the daemon also
      // removes it and ends the connections it allowed.
      const t = setTimeout(() => {
        deadlines.delete(t);
        d.shim.deleteVerdict(key);
        d.shim.deleteFlowVerdict(flow.key);
        if (v.action === "allow") endFor([key], netns);
      }, Math.max(0, v.cache.until - Date.now()));
      t.unref();
      deadlines.add(t);
    }
  }

  const settle = (flow: HeldFlow, v: Verdict): void => {
    if (stopped) return;
    try {
      apply(flow, v);
    } catch (err) {
      d.log("error", `applying the answer to a held flow failed: ${(err as Error).message} (the flow stays held: its packets are dropped)`, { cookie: String(flow.key.cookie) });
    }
  };

  const off = d.hold.onFlow((flow) => {
    const v = ask(flow);
    if (!isThenable(v)) return settle(flow, v); // answered now: no timer, no microtask
    waiting++;
    void v.then((verdict) => {
      waiting--;
      settle(flow, verdict);
    });
  });

  return {
    status: () => ({ waiting, answered: { ...answered }, ruleVerdicts: ruleKeys.size, deadlines: deadlines.size, hold: d.hold.status() }),
    withdrawRuleVerdicts() {
      const byNetns = new Map<string | undefined, VerdictKey[]>();
      for (const { key, allow, netns } of ruleKeys.values()) {
        d.shim.deleteVerdict(key);
        if (allow) byNetns.set(netns, [...(byNetns.get(netns) ?? []), key]);
      }
      const n = ruleKeys.size;
      ruleKeys.clear();
      for (const [netns, keys] of byNetns) endFor(keys, netns);
      return n;
    },
    stop() {
      stopped = true;
      off();
      for (const t of deadlines) clearTimeout(t);
      deadlines.clear();
    },
  };
}
