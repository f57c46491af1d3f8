import { describe, expect, it } from "vitest";
import { API_ERRORS, ApiError } from "./errors.js";
import type { ApiErrorName } from "./errors.js";
import type { MethodName } from "./interface.js";
import { STREAMING_METHODS } from "./interface.js";
import { MAX_JSON_DEPTH } from "./json-depth.js";
import { CallError, decodeCall, decodeReply, errorFromReply, errorReply, replyProblem } from "./messages.js";
import { ANSWER, HISTORY_ENTRY, OUTCOME, PROMPT, RULE, RULE_ENTRY } from "./test-fixtures.js";

const line = (method: string, parameters?: unknown, extra: object = {}): string =>
  JSON.stringify({ id: 1, method: `io.sockgate.v1.${method}`, ...(parameters === undefined ? {} : { parameters }), ...extra });

function refusal(text: string): CallError {
  try {
    decodeCall(text);
  } catch (err) {
    if (err instanceof CallError) return err;
    throw err;
  }
  throw new Error(`decodeCall accepted ${text}`);
}

// One good and one bad set of parameters per method; the bad one's field must be named.
const CASES: Record<MethodName, { good: unknown; bad: unknown; field: string }> = {
  Hello: { good: { versions: ["io.sockgate.v1"], client: { name: "tui", version: "1" } }, bad: { versions: [] }, field: "parameters.versions" },
  Status: { good: {}, bad: { verbose: true }, field: "parameters.verbose" },
  Subscribe: { good: { topics: ["prompts", "activity"] }, bad: { topics: ["prompts", "mail"] }, field: "parameters.topics[1]" },
  Cancel: { good: { call: 3 }, bad: { call: -3 }, field: "parameters.call" },
  ListPrompts: { good: {}, bad: { uid: 0 }, field: "parameters.uid" },
  PreviewAnswer: { good: { promptId: "p-1", answer: { ...ANSWER, duration: { minutes: 15 } } }, bad: { promptId: "p-1", answer: { ...ANSWER, scope: "planet" } }, field: "parameters.answer.scope" },
  AnswerPrompt: { good: { promptId: "p-1", answer: ANSWER }, bad: { promptId: "p-1", answer: { ...ANSWER, duration: { minutes: 0 } } }, field: "parameters.answer.duration" },
  ListRules: { good: { owner: { kind: "all" } }, bad: { owner: { kind: "user" } }, field: "parameters.owner.uid" },
  GetRule: { good: { id: "r-1" }, bad: { id: "" }, field: "parameters.id" },
  AddRule: { good: { rule: { action: "allow", match: {} }, enabled: false }, bad: { rule: { owner: { kind: "root" } } }, field: "parameters.rule.owner" },
  UpdateRule: { good: { rule: RULE }, bad: { rule: { action: "deny" } }, field: "parameters.rule.id" },
  DeleteRule: { good: { id: "r-1" }, bad: {}, field: "parameters.id" },
  EnableRule: { good: { id: "r-1" }, bad: { id: 7 }, field: "parameters.id" },
  DisableRule: { good: { id: "r-1" }, bad: { id: "r-1", now: true }, field: "parameters.now" },
  ExportRules: { good: {}, bad: { owner: { kind: "system", uid: 3 } }, field: "parameters.owner.uid" },
  ImportRules: { good: { document: { format: "sockgate-rules", version: 1, rules: [RULE] }, mode: "replace" }, bad: { document: { format: "sockgate-rules", version: 1, rules: [{ id: "x" }] } }, field: "parameters.document.rules[0].owner" },
  QueryHistory: { good: { exe: "/usr/bin/curl", host: "example.org", verdict: "deny", since: 0, until: 10, limit: 50, before: { at: 5, seq: 2 } }, bad: { limit: 0 }, field: "parameters.limit" },
  Supervise: { good: { pid: 4242, profile: { name: "npm", rules: [{ action: "allow" }], unmatched: "deny" } }, bad: { pid: 4242, profile: { name: "npm", rules: [], unmatched: "maybe" } }, field: "parameters.profile.unmatched" },
  DecideCall: { good: { call: { session: "s1", tid: 7, operation: "connect", fd: 3, remote: { address: "192.0.2.1", port: 443 } } }, bad: { call: { session: "s1", tid: 7, operation: "connect", remote: { address: "192.0.2.1", port: 65536 } } }, field: "parameters.call.remote.port" },
};

describe("decodeCall", () => {
  for (const [method, c] of Object.entries(CASES) as [MethodName, (typeof CASES)[MethodName]][]) {
    const streaming = STREAMING_METHODS.includes(method);
    const extra = streaming ? { more: true } : {};
    it(`${method}: accepts good parameters and names the member of bad ones`, () => {
      expect(decodeCall(line(method, c.good, extra))).toMatchObject({ id: 1, method, iface: "io.sockgate.v1", parameters: c.good, more: streaming });
      const err = refusal(line(method, c.bad, extra));
      expect([err.code, err.callId, err.parameters.field]).toEqual(["io.sockgate.InvalidParameter", 1, c.field]);
      expect(err.message).toMatch(new RegExp(`^${method}: ${c.field.replace(/[[\].]/g, "\\$&")}: `));
    });
  }

  it("takes absent parameters as {}", () => {
    expect(decodeCall(line("Status")).parameters).toEqual({});
  });

  const refused: [string, string, ApiErrorName, number | string | null, RegExp][] = [
    ["not JSON", "{nope", "io.sockgate.InvalidMessage", null, /^the message is not JSON: /],
    ["an array", "[1]", "io.sockgate.InvalidMessage", null, /expected object, received \[1\]/],
    ["no method", `{"id":4}`, "io.sockgate.InvalidMessage", 4, /method: missing/],
    ["an id that is not a number or string", `{"id":{},"method":"io.sockgate.v1.Status"}`, "io.sockgate.InvalidMessage", null, /^the message is not a call: id: /],
    ["an unknown envelope member", `{"id":"a","method":"io.sockgate.v1.Status","oneway":true}`, "io.sockgate.InvalidMessage", "a", /oneway: unknown member/],
    ["more on a one-reply method", line("Status", {}, { more: true }), "io.sockgate.InvalidMessage", 1, /^Status has one reply/],
    ["Subscribe without more", line("Subscribe", { topics: ["prompts"] }), "io.sockgate.InvalidMessage", 1, /^Subscribe streams its replies/],
    ["an unknown method", line("Reboot"), "io.sockgate.UnknownMethod", 1, /"io.sockgate.v1.Reboot": no such method/],
    ["an unqualified method", `{"id":2,"method":"Status"}`, "io.sockgate.UnknownMethod", 2, /no such method/],
    ["another interface", `{"id":2,"method":"org.varlink.service.GetInfo"}`, "io.sockgate.UnknownMethod", 2, /no such method/],
    ["an unknown version", `{"id":3,"method":"io.sockgate.v2.Hello","parameters":{"versions":["io.sockgate.v2"]}}`, "io.sockgate.VersionUnsupported", 3, /interface io.sockgate.v2 is not spoken here; supported: io.sockgate.v1/],
  ];
  for (const [what, text, code, id, message] of refused) {
    it(`refuses ${what} with ${code}`, () => {
      const err = refusal(text);
      expect([err.code, err.callId]).toEqual([code, id]);
      expect(err.message).toMatch(message);
    });
  }

  it("says which versions it speaks", () => {
    expect(refusal(`{"id":3,"method":"io.sockgate.v9.Status"}`).parameters).toEqual({ supported: ["io.sockgate.v1"] });
  });
});

// A good reply per method; each must pass, and breaking it must fail.
const REPLIES: Record<MethodName, object> = {
  Hello: { interface: "io.sockgate.v1", server: { name: "sockgated", version: "0.1.0" }, peer: { uid: 1000, gid: 1000, pid: 5, groups: [27], admin: false }, limits: { maxMessageBytes: 1048576 } },
  Status: { daemon: { version: "0.1.0", pid: 1, startedAt: 0 }, api: { interface: "io.sockgate.v1", connections: 1, promptSubscribers: 0 }, maps: { verdicts: { used: 1, capacity: 10 } }, failure: { daemonDown: "deny" } },
  Subscribe: { event: { type: "prompt", prompt: PROMPT } },
  Cancel: {},
  ListPrompts: { prompts: [PROMPT] },
  PreviewAnswer: { rules: [RULE] },
  AnswerPrompt: { outcome: OUTCOME },
  ListRules: { rules: [RULE_ENTRY] },
  GetRule: { rule: RULE_ENTRY },
  AddRule: { rule: RULE_ENTRY },
  UpdateRule: { rule: RULE_ENTRY },
  DeleteRule: {},
  EnableRule: { rule: RULE_ENTRY },
  DisableRule: { rule: { ...RULE_ENTRY, enabled: false } },
  ExportRules: { document: { format: "sockgate-rules", version: 1, exportedAt: "2024-01-01T00:00:00.000Z", rules: [RULE] } },
  ImportRules: { imported: 1, removed: 0 },
  QueryHistory: { entries: [HISTORY_ENTRY] },
  Supervise: { event: { type: "started", session: "s1", governedBy: "uid" } },
  DecideCall: { verdict: { action: "allow", reason: "rule r1", cache: { scope: "rules" }, ruleId: "r1" } },
};

describe("replyProblem", () => {
  for (const [method, reply] of Object.entries(REPLIES) as [MethodName, object][]) {
    it(`${method}: a good reply passes, a reply missing a member does not`, () => {
      expect(replyProblem(method, reply)).toBeUndefined();
      const broken = Object.keys(reply).length > 0 ? Object.fromEntries(Object.entries(reply).slice(1)) : [];
      expect(replyProblem(method, broken)).toMatch(/^parameters/);
    });
  }

  it("lets a newer daemon add members to what it sends", () => {
    expect(replyProblem("GetRule", { rule: { ...RULE_ENTRY, since: "v1.1" }, extra: 1 })).toBeUndefined();
  });

  it("checks each subscription event by its type", () => {
    expect(replyProblem("Subscribe", { event: { type: "prompt-settled", promptId: "p-1", outcome: OUTCOME } })).toBeUndefined();
    expect(replyProblem("Subscribe", { event: { type: "lagged", dropped: 3 } })).toBeUndefined();
    expect(replyProblem("Subscribe", { event: { type: "activity", activity: { ...HISTORY_ENTRY, seq: undefined, host: undefined } } })).toMatch(/parameters.event.activity.host: missing/);
    expect(replyProblem("Subscribe", { event: { type: "gossip" } })).toMatch(/parameters.event: expected type one of "subscribed", "prompt"/);
  });
});

describe("replies on the wire", () => {
  it("decodes a reply and an error reply", () => {
    expect(decodeReply(`{"id":1,"parameters":{},"continues":true}`)).toEqual({ id: 1, parameters: {}, continues: true });
    const reply = errorReply(4, new ApiError("io.sockgate.NotFound", "no rule r-9", { id: "r-9" }));
    expect(decodeReply(JSON.stringify(reply))).toEqual({ id: 4, error: "io.sockgate.NotFound", message: "no rule r-9", parameters: { id: "r-9" } });
  });

  it("refuses what is not a reply with InvalidReply", () => {
    for (const text of ["nope", `{"parameters":{}}`, `{"id":1}`, `{"id":1,"error":"io.sockgate.NotFound"}`, `{"id":1,"error":"Oops","message":"x"}`]) {
      expect(() => decodeReply(text), text).toThrow(expect.objectContaining({ code: "io.sockgate.InvalidReply" }));
    }
  });

  it("turns an error name it does not know into InternalError, keeping the name", () => {
    const err = errorFromReply({ id: 1, error: "io.sockgate.Overheated" as ApiErrorName, message: "too hot" });
    expect([err.code, err.message, err.parameters.error]).toEqual(["io.sockgate.InternalError", "io.sockgate.Overheated: too hot", "io.sockgate.Overheated"]);
    expect(errorFromReply({ id: 1, error: "io.sockgate.Conflict", message: "taken" }).code).toBe("io.sockgate.Conflict");
  });

  it("every named error survives the wire with its name, message and parameters", () => {
    for (const name of Object.keys(API_ERRORS) as ApiErrorName[]) {
      const sent = errorReply(9, new ApiError(name, `a ${name}`, { n: 1 }));
      const got = errorFromReply(decodeReply(JSON.stringify(sent)) as Extract<ReturnType<typeof decodeReply>, { error: string }>);
      expect([got.code, got.message, got.parameters]).toEqual([name, `a ${name}`, { n: 1 }]);
    }
  });
});

describe("a value nested deeper than any call needs", () => {
  const nested = (depth: number): string => `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`;
  const addRule = (match: string) => `{"id":1,"method":"io.sockgate.v1.AddRule","parameters":{"rule":{"schemaVersion":1,"action":"allow","duration":{"kind":"forever"},"match":${match}}}}`;

  it("gets InvalidMessage naming the limit, never a RangeError (any local client can send one)", () => {
    const deep = `{"id":1,"method":"io.sockgate.v1.Status","parameters":${"[".repeat(20000)}${"]".repeat(20000)}}`;
    expect(() => decodeCall(deep)).toThrow(expect.objectContaining({ code: "io.sockgate.InvalidMessage", callId: 1, parameters: { maxDepth: MAX_JSON_DEPTH } }));
  });

  it("counts every level of the message: a rule's match at the limit is decoded, one level more is refused", () => {
    // message (1) > parameters (2) > rule (3) > match (4): a match nesting n levels reaches 3 + n
    expect(decodeCall(addRule(nested(MAX_JSON_DEPTH - 3))).method).toBe("AddRule");
    expect(() => decodeCall(addRule(nested(MAX_JSON_DEPTH - 2)))).toThrow(expect.objectContaining({ code: "io.sockgate.InvalidMessage", parameters: { maxDepth: MAX_JSON_DEPTH } }));
  });

  it("a reply nested that deep is InvalidReply", () => {
    expect(() => decodeReply(`{"id":1,"parameters":${nested(MAX_JSON_DEPTH)}}`)).toThrow(expect.objectContaining({ code: "io.sockgate.InvalidReply" }));
  });
});
