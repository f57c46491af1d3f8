// Questions for people. A request no rule answers becomes a prompt for the user who owns
// the process. Identical questions (same user, executable, operation, protocol and
// destination) share one prompt; each application gets at most `perAppLimit` new prompts
// per `windowMs`, after which its further destinations collapse into one "many
// destinations" prompt per operation and protocol, so a program opening 1,000 connections
// asks a handful of times, not 1,000.
// An unanswered prompt resolves to `defaultAction` at its deadline and says so.

import { SockgateError } from "@sockgate/protocol";
import type { Request } from "@sockgate/protocol";
import type { Clock } from "./clock.js";
import { normalizeHostName } from "./match-domain.js";
import { rulesFromAnswer } from "./prompt-answer.js";
import type { Prompt, PromptAnswer, PromptDestination, PromptOutcome } from "./prompt-types.js";

export interface PromptQueueOptions {
  clock: Clock;
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
  /** Needed for answers with duration "reboot". */
  bootId?: string;
  /** Called when a new prompt is queued. */
  onPrompt?: (prompt: Prompt) => void;
}

interface Entry {
  prompt: Prompt;
  key: string;
  destinations: Map<string, PromptDestination>;
  waiters: Array<(o: PromptOutcome) => void>;
  timer: unknown;
}

function appKey(r: Request): string {
  return `${r.app.uid}\u0000${r.app.exePath}\u0000${r.app.exeDev}:${r.app.exeIno}`;
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
  const host = local ? undefined : r.remoteHostNames?.map(normalizeHostName).find((h) => h !== undefined);
  return {
    ...(address === undefined ? {} : { address }),
    ...(port === undefined ? {} : { port }),
    ...(host === undefined ? {} : { host }),
  };
}

function destinationKey(d: PromptDestination): string {
  return `${d.host ?? d.address ?? ""}:${d.port ?? ""}`;
}

export class PromptQueue {
  private readonly o: Required<Omit<PromptQueueOptions, "bootId" | "onPrompt">> & Pick<PromptQueueOptions, "bootId" | "onPrompt">;
  private readonly byKey = new Map<string, Entry>();
  private readonly byId = new Map<string, Entry>();
  /** appKey -> creation times of that app's recent single prompts. */
  private readonly recent = new Map<string, number[]>();
  private seq = 0;
  private ruleSeq = 0;

  constructor(options: PromptQueueOptions) {
    this.o = {
      timeoutMs: 60_000,
      defaultAction: "deny",
      perAppLimit: 5,
      windowMs: 60_000,
      maxPendingPerUser: 50,
      ...options,
    };
  }

  /** Prompts waiting for `uid`, oldest first. */
  pending(uid: number): Prompt[] {
    return [...this.byId.values()].filter((e) => e.prompt.uid === uid).map((e) => ({ ...e.prompt }));
  }

  /**
   * Ask about `request`. Resolves when the prompt it joined is answered or times out.
   * `coalesced` is true when an existing prompt took it.
   */
  raise(request: Request): { promptId: string; coalesced: boolean; outcome: Promise<PromptOutcome> } {
    const now = this.o.clock.now();
    const app = appKey(request);
    const dest = destinationOf(request);
    const question = `${app}\u0000${request.operation}\u0000${request.protocol}`;
    const singleKey = `${question}\u0000${destinationKey(dest)}`;
    // One "many" prompt per operation and protocol: its answer becomes rules for the
    // prompt's operation and protocol, so a UDP send must not settle under a TCP connect.
    const manyKey = `${question}\u0000*many*`;

    const join = (e: Entry, coalesced: boolean) => {
      e.prompt.requests++;
      e.destinations.set(destinationKey(dest), e.destinations.get(destinationKey(dest)) ?? dest);
      e.prompt.destinations = e.prompt.kind === "single" ? 1 : e.destinations.size;
      const outcome = new Promise<PromptOutcome>((resolve) => e.waiters.push(resolve));
      return { promptId: e.prompt.id, coalesced, outcome };
    };

    const same = this.byKey.get(singleKey) ?? this.byKey.get(manyKey);
    if (same !== undefined) return join(same, true);

    const times = (this.recent.get(app) ?? []).filter((t) => t > now - this.o.windowMs);
    if (times.length > 0) this.recent.set(app, times);
    else this.recent.delete(app); // quiet apps leave no trace
    const kind = times.length >= this.o.perAppLimit ? "many" : "single";

    const id = `p${++this.seq}`;
    if (this.pending(request.app.uid).length >= this.o.maxPendingPerUser) {
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
      app: { ...request.app },
      operation: request.operation,
      protocol: request.protocol,
      destination: dest,
      destinations: 0,
      requests: 0,
      createdAt: now,
      deadline: now + this.o.timeoutMs,
    };
    const entry: Entry = { prompt, key: kind === "single" ? singleKey : manyKey, destinations: new Map(), waiters: [], timer: undefined };
    entry.timer = this.o.clock.setTimer(this.o.timeoutMs, () => this.expire(entry));
    this.byKey.set(entry.key, entry);
    this.byId.set(id, entry);
    const joined = join(entry, false);
    this.o.onPrompt?.({ ...prompt });
    return joined;
  }

  private settle(e: Entry, outcome: PromptOutcome): void {
    this.o.clock.clearTimer(e.timer);
    this.byKey.delete(e.key);
    this.byId.delete(e.prompt.id);
    for (const w of e.waiters) w(outcome);
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

  /** The answer of user `byUid` to prompt `promptId`; settles every request waiting on it. */
  answer(promptId: string, byUid: number, answer: PromptAnswer): PromptOutcome {
    const e = this.byId.get(promptId);
    if (e === undefined) {
      throw new SockgateError("SG_ERR_PROMPT_UNKNOWN", `prompt ${JSON.stringify(promptId)} is not pending (already answered, timed out, or never raised)`);
    }
    if (e.prompt.uid !== byUid) {
      throw new SockgateError("SG_ERR_PROMPT_FORBIDDEN", `prompt ${promptId} is for uid ${e.prompt.uid}'s process; uid ${byUid} cannot answer it`);
    }
    const now = this.o.clock.now();
    const rules = rulesFromAnswer(e.prompt, [...e.destinations.values()], answer, {
      now,
      newRuleId: () => `answer-${now.toString(36)}-${++this.ruleSeq}`,
      ...(this.o.bootId === undefined ? {} : { bootId: this.o.bootId }),
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

  /** Settle everything with the default (daemon shutdown). */
  close(): void {
    for (const e of [...this.byId.values()]) this.expire(e);
  }
}
