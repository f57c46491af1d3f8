// Questions for people. A request no rule answers becomes a prompt for the user who owns
// the process. Questions the same answer would settle the same way (same user, same
// program as answerIdentity names it, same app id, operation, protocol and destination)
// share one prompt. Each application gets at most `perAppLimit` new prompts per
// `windowMs`; after that its further destinations collect in a "many destinations" prompt
// per operation and protocol, at most MAX_PROMPT_DESTINATIONS to a prompt, so a program
// opening 1,000 connections asks a handful of times, not 1,000, and every answer makes a
// bounded number of rules for destinations the person was shown.
// An unanswered prompt resolves to `defaultAction` at its deadline and says so.

import { SockgateError } from "@sockgate/protocol";
import type { Request } from "@sockgate/protocol";
import type { Clock } from "./clock.js";
import type { Decision } from "./decide.js";
import { normalizeHostName } from "./match-domain.js";
import { answerIdentity, isInterpreterPath, rulesFromAnswer } from "./prompt-answer.js";
import { MAX_PROMPT_DESTINATIONS } from "./prompt-types.js";
import type { Prompt, PromptAnswer, PromptDestination, PromptOutcome } from "./prompt-types.js";
import type { Rule } from "./rule-types.js";

export interface PromptQueueOptions {
  clock: Clock;
  /** Stamped into process- and reboot-scoped rules made from answers. */
  bootId: string;
  /** Default 60 s. */
  timeoutMs?: number;
  /** What an unanswered prompt resolves to. Default "deny". */
  defaultAction?: "allow" | "deny";
  /** New prompts per application per window before collapsing. Default 5. */
  perAppLimit?: number;
  /** Default 60 s. */
  windowMs?: number;
  /** Pending prompts per user; beyond it new questions get the default at once. Default 50. */
  maxPendingPerUser?: number;
  /** Programs whose command line names what they run (default: python, perl, sh, node, ...). */
  isInterpreter?: (exePath: string) => boolean;
  onRaised?: (prompt: Prompt) => void;
  onSettled?: (prompt: Prompt, outcome: PromptOutcome) => void;
}

interface Waiter {
  request: Request;
  resolve: (o: PromptOutcome) => void;
}

interface Entry {
  prompt: Prompt;
  /** Keys in byKey that lead here: one per destination. */
  keys: string[];
  manyKey?: string;
  waiters: Waiter[];
  timer: unknown;
}

// What a prompt asks about. bind/listen: the local address and port. connect/send: the
// peer. accept: the peer and the local port it came in on; the peer's port is ephemeral, a
// new one per connection, so keying on it would neither coalesce nor make a useful rule.
function destinationOf(r: Request): PromptDestination {
  const op = r.operation;
  if (op === "socket") return {};
  const local = op === "bind" || op === "listen";
  const address = local ? r.local?.address : r.remote?.address;
  const port = op === "connect" || op === "send" ? r.remote?.port : r.local?.port;
  const names = local ? [] : [...new Set((r.remoteHostNames ?? []).map(normalizeHostName).filter((h): h is string => h !== undefined))];
  const host = names[0];
  // the caller's own port says which of its sockets asks (a bound client, a peer-to-peer app)
  const localPort = (op === "connect" || op === "send") && r.local?.port ? r.local.port : undefined;
  return {
    ...(address === undefined ? {} : { address }),
    ...(port === undefined ? {} : { port }),
    ...(host === undefined ? {} : { host }),
    ...(names.length > 1 ? { hosts: names.slice(0, 8) } : {}),
    ...(localPort === undefined ? {} : { localPort }),
  };
}

function destinationKey(d: PromptDestination): string {
  return JSON.stringify([d.host ?? d.address ?? null, d.port ?? null]);
}

export class PromptQueue {
  private readonly o: Required<Omit<PromptQueueOptions, "onRaised" | "onSettled">> & Pick<PromptQueueOptions, "onRaised" | "onSettled">;
  private readonly byKey = new Map<string, Entry>();
  private readonly byId = new Map<string, Entry>();
  /** question -> the "many" prompt still taking destinations. */
  private readonly openMany = new Map<string, Entry>();
  /** app key -> creation times of that app's recent single prompts. */
  private readonly recent = new Map<string, number[]>();
  /** uid -> prompts pending for that user. */
  private readonly perUser = new Map<number, number>();
  private seq = 0;

  constructor(options: PromptQueueOptions) {
    this.o = {
      timeoutMs: 60_000,
      defaultAction: "deny",
      perAppLimit: 5,
      windowMs: 60_000,
      maxPendingPerUser: 50,
      isInterpreter: isInterpreterPath,
      ...options,
    };
  }

  /** Prompts waiting for `uid`, oldest first. */
  pending(uid: number): Prompt[] {
    return [...this.byId.values()].filter((e) => e.prompt.uid === uid).map((e) => structuredClone(e.prompt));
  }

  private appKey(r: Request): string {
    return JSON.stringify([r.app.uid, answerIdentity(r.app, this.o.isInterpreter), r.app.appId ?? null]);
  }

  /**
   * Ask about `request`. Resolves when the prompt it joined is answered or times out, or
   * when a rule made meanwhile decides it. `coalesced` is true when an existing prompt took it.
   */
  raise(request: Request): { promptId: string; coalesced: boolean; outcome: Promise<PromptOutcome> } {
    const now = this.o.clock.now();
    const app = this.appKey(request);
    const dest = destinationOf(request);
    const question = JSON.stringify([app, request.operation, request.protocol]);
    const destKey = `${question}\u0000${destinationKey(dest)}`;

    const join = (e: Entry, coalesced: boolean) => {
      e.prompt.requests++;
      if (!e.keys.includes(destKey)) {
        e.keys.push(destKey);
        e.prompt.destinations.push(dest);
        this.byKey.set(destKey, e);
      }
      const outcome = new Promise<PromptOutcome>((resolve) => e.waiters.push({ request, resolve }));
      return { promptId: e.prompt.id, coalesced, outcome };
    };

    const same = this.byKey.get(destKey);
    if (same !== undefined) return join(same, true);
    const many = this.openMany.get(question);
    if (many !== undefined && many.keys.length < MAX_PROMPT_DESTINATIONS) return join(many, true);

    const times = (this.recent.get(app) ?? []).filter((t) => t > now - this.o.windowMs);
    if (times.length > 0) this.recent.set(app, times);
    else this.recent.delete(app); // quiet apps leave no trace
    const kind = times.length >= this.o.perAppLimit || many !== undefined ? "many" : "single";

    const id = `p${++this.seq}`;
    if ((this.perUser.get(request.app.uid) ?? 0) >= this.o.maxPendingPerUser) {
      const outcome: PromptOutcome = {
        promptId: id,
        action: this.o.defaultAction,
        answeredBy: "queue-full",
        reason: `${this.o.maxPendingPerUser} prompts already wait for uid ${request.app.uid}: default ${this.o.defaultAction} applied without asking`,
        rules: [],
      };
      return { promptId: id, coalesced: false, outcome: Promise.resolve(outcome) };
    }
    if (kind === "single") this.recent.set(app, [...times, now]);
    const prompt: Prompt = {
      id,
      uid: request.app.uid,
      kind,
      app: structuredClone(request.app),
      operation: request.operation,
      protocol: request.protocol,
      destination: dest,
      destinations: [],
      requests: 0,
      createdAt: now,
      deadline: now + this.o.timeoutMs,
    };
    const entry: Entry = { prompt, keys: [], waiters: [], timer: undefined };
    if (kind === "many") {
      entry.manyKey = question;
      this.openMany.set(question, entry);
    }
    entry.timer = this.o.clock.setTimer(this.o.timeoutMs, () => this.expire(entry));
    this.byId.set(id, entry);
    this.perUser.set(prompt.uid, (this.perUser.get(prompt.uid) ?? 0) + 1);
    const joined = join(entry, false);
    this.o.onRaised?.(structuredClone(prompt));
    return joined;
  }

  private remove(e: Entry): void {
    this.o.clock.clearTimer(e.timer);
    for (const k of e.keys) if (this.byKey.get(k) === e) this.byKey.delete(k);
    if (e.manyKey !== undefined && this.openMany.get(e.manyKey) === e) this.openMany.delete(e.manyKey);
    if (this.byId.delete(e.prompt.id)) {
      const n = (this.perUser.get(e.prompt.uid) ?? 1) - 1;
      if (n > 0) this.perUser.set(e.prompt.uid, n);
      else this.perUser.delete(e.prompt.uid);
    }
  }

  private settle(e: Entry, outcome: PromptOutcome): void {
    this.remove(e);
    for (const w of e.waiters) w.resolve(outcome);
    this.o.onSettled?.(structuredClone(e.prompt), outcome);
  }

  private expire(e: Entry): void {
    if (this.byId.get(e.prompt.id) !== e) return;
    const secs = Math.round(this.o.timeoutMs / 1000);
    this.settle(e, {
      promptId: e.prompt.id,
      action: this.o.defaultAction,
      answeredBy: "timeout",
      reason: `no answer within ${secs} s: default ${this.o.defaultAction} applied`,
      rules: [],
    });
  }

  private entryFor(promptId: string, byUid: number): Entry {
    const e = this.byId.get(promptId);
    if (e === undefined) {
      throw new SockgateError("SG_ERR_PROMPT_UNKNOWN", `prompt ${JSON.stringify(promptId)} is not pending (already answered, timed out, or never raised)`);
    }
    if (e.prompt.uid !== byUid) {
      throw new SockgateError("SG_ERR_PROMPT_FORBIDDEN", `prompt ${promptId} is for another user's process; uid ${byUid} cannot answer it`);
    }
    return e;
  }

  /** The rules `answer` would make for prompt `promptId`, without answering it (ids are placeholders). */
  preview(promptId: string, byUid: number, answer: PromptAnswer): Rule[] {
    const e = this.entryFor(promptId, byUid);
    let n = 0;
    return rulesFromAnswer(e.prompt, answer, { now: this.o.clock.now(), newRuleId: () => `preview-${++n}`, bootId: this.o.bootId, isInterpreter: this.o.isInterpreter });
  }

  /** The answer of user `byUid` to prompt `promptId`; settles every request waiting on it. */
  answer(promptId: string, byUid: number, answer: PromptAnswer): PromptOutcome {
    const e = this.entryFor(promptId, byUid);
    const now = this.o.clock.now();
    const rules = rulesFromAnswer(e.prompt, answer, {
      now,
      // Unguessable: any user may add a rule with an id of their choosing, and one taken in
      // advance would have made another user's answer fail (ids never change owner).
      newRuleId: () => `answer-${globalThis.crypto.randomUUID()}`,
      bootId: this.o.bootId,
      isInterpreter: this.o.isInterpreter,
    });
    const d = answer.duration;
    const how = typeof d === "object" ? `for ${d.minutes} min` : d;
    const outcome: PromptOutcome = {
      promptId,
      action: answer.action,
      answeredBy: "user",
      reason: `uid ${byUid} answered ${answer.action} (scope ${answer.scope}, ${how})`,
      rules,
    };
    this.settle(e, outcome);
    return outcome;
  }

  /**
   * After the rules changed: every waiting request that `decide` now answers (allow or
   * deny) is settled by that rule; a prompt left with no waiting request goes away.
   */
  resettle(decide: (request: Request) => Decision): void {
    for (const e of [...this.byId.values()]) {
      e.waiters = e.waiters.filter((w) => {
        const d = decide(w.request);
        if (d.action === "ask") return true;
        w.resolve({ promptId: e.prompt.id, action: d.action, answeredBy: "rule", reason: d.reason, rules: [] });
        return false;
      });
      if (e.waiters.length === 0) {
        this.remove(e);
        this.o.onSettled?.(structuredClone(e.prompt), { promptId: e.prompt.id, action: this.o.defaultAction, answeredBy: "rule", reason: "every waiting request was decided by rules made meanwhile", rules: [] });
      }
    }
  }

  /** Settle everything with the default (daemon shutdown). */
  close(): void {
    for (const e of [...this.byId.values()]) this.expire(e);
  }
}
