// The shim's event records other than held flows (the hold service asks those): denies the
// kernel gave, allows when reported, and socket/bind/listen calls that proceeded with no
// verdict (the kernel cannot hold them). Records are decoded after the turn, in one batch,
// so a held flow's answer never waits for this. A call that proceeded is still asked: the
// answer becomes a rule, and the kernel entries planned from it decide the next call (and
// end the socket already made when they deny it, see kernel/plan-sync.ts).

import { event, requestFromEvent } from "@sockgate/protocol";
import type { ShimEvent } from "@sockgate/protocol";
import type { Shim } from "@sockgate/kernel-shim";
import type { ActivityEntry } from "@sockgate/protocol/client";
import type { Decide } from "../hold/verdict.js";
import { procInfoOf } from "../hold/request-of-flow.js";
import type { Logger } from "../log/logger.js";

export interface EventSinkDeps {
  shim: Shim;
  decide: Decide;
  record: (entry: ActivityEntry) => void;
  ruleOfTag: (tag: number) => string | undefined;
  log: Logger;
  /** Log kernel allows (when the shim reports them) at info instead of debug. */
  logAllows: boolean;
}

const PEERLESS = new Set(["socket", "bind", "listen"]);

function host(addr: string): string {
  return addr.startsWith("::ffff:") && addr.includes(".") ? addr.slice(7) : addr;
}

export function activityOf(ev: ShimEvent, verdict: string, reason: string, ruleId: string | null): ActivityEntry {
  const peerless = PEERLESS.has(ev.op);
  return {
    at: Date.now(),
    uid: ev.uid,
    exe: ev.exePath,
    op: ev.op,
    proto: ev.proto,
    remoteAddr: peerless ? null : host(ev.remoteAddr),
    remotePort: peerless ? null : ev.remotePort,
    localPort: ev.localPort === 0 ? null : ev.localPort,
    host: null,
    verdict,
    reason,
    ruleId,
    pid: ev.tgid,
  };
}

export function startEventSink(d: EventSinkDeps): { stats(): { decoded: number; bad: number }; stop(): void } {
  let queue: Buffer[] = [];
  let decoded = 0;
  let bad = 0;

  function handle(ev: ShimEvent): void {
    if (ev.verdict === "held") return; // asked by the hold service
    const ruleId = ev.tag !== 0 ? (d.ruleOfTag(ev.tag) ?? null) : null;
    if (ev.verdict === "deny" || (ev.verdict === "allow" && ev.reason !== "unknown" && ev.reason !== "observed")) {
      const why = `kernel: ${ev.reason}${ruleId !== null ? ` (rule ${ruleId})` : ""}`;
      d.record(activityOf(ev, ev.verdict, why, ruleId));
      const level = ev.verdict === "deny" || d.logAllows ? "info" : "debug";
      d.log[level]({ op: ev.op, proto: ev.proto, exe: ev.exePath, pid: ev.tgid, uid: ev.uid, addr: ev.remoteAddr, port: ev.remotePort, reason: ev.reason, rule: ruleId }, `${ev.verdict} ${ev.op} (kernel)`);
      return;
    }
    // Proceeded with no verdict: ask now, for the next call.
    let request;
    try {
      request = requestFromEvent(ev, procInfoOf(ev.tgid, ev.exePath, ev.uid, ev));
    } catch (err) {
      bad++;
      d.log.warn({ err: (err as Error).message }, "an event record did not make a request");
      return;
    }
    const v = d.decide(request);
    const settle = (verdict: { action: string; reason: string }): void => {
      d.record(activityOf(ev, "allow", `proceeded with no verdict (the kernel cannot hold ${ev.op}); then: ${verdict.action}, ${verdict.reason}`, null));
    };
    if ("then" in v) void v.then(settle, () => undefined);
    else settle(v);
  }

  const drain = (): void => {
    const records = queue;
    queue = [];
    for (const r of records) {
      if (event.verdictOf(r) === "held") continue; // asked by the hold service: skip the full decode
      let ev: ShimEvent;
      try {
        ev = event.decode(r);
        decoded++;
      } catch (err) {
        bad++;
        d.log.warn({ bytes: r.length, err: (err as Error).message }, "undecodable event record");
        continue;
      }
      handle(ev);
    }
  };

  const off = d.shim.onEvent((record) => {
    if (queue.push(record) === 1) setImmediate(drain);
  });
  return { stats: () => ({ decoded, bad }), stop: off };
}
