import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import type { AppIdentity } from "../request.js";
import { APP_FLAGS, REQUEST_OPERATIONS, REQUEST_PROTOCOLS } from "../request.js";
import { API_ERROR_NAMES } from "./errors.js";
import { METHOD_NAMES } from "./interface.js";
import type { MethodName } from "./interface.js";
import { API_DESCRIPTION, API_SCHEMA } from "./schema.js";
import { COMMON_ERRORS, METHODS } from "./schema-methods.js";
import type { ActivityEntry, HistoryEntry, HistoryQuery } from "./types-history.js";
import type { PeerInfo } from "./types-common.js";
import type { ApiMethods, HelloParameters, HelloReply } from "./types-methods.js";
import type { ApiPrompt, PromptAnswer, PromptDestination, PromptOutcome } from "./types-prompts.js";
import type { ApiRule, ExportDocument, RuleEntry } from "./types-rules.js";
import type { Status } from "./types-status.js";

// Each member of a type and whether it is optional; the compiler checks these lists against
// the types (a missing, extra or wrongly marked member fails typecheck), the tests below
// check them against the schema.
type Members<T> = { [K in keyof T]-?: object extends Pick<T, K> ? "optional" : "required" };

const TIED = {
  AppIdentity: {
    exePath: "required", exeDev: "required", exeIno: "required", exeGeneration: "optional", exePathVerified: "optional", sha256: "optional",
    uid: "required", userName: "optional", pid: "required", startTime: "optional", parentExe: "optional", cmdline: "optional",
    cmdlineSource: "optional", cgroupId: "optional", cgroupPath: "optional", appId: "optional", flags: "optional",
  } satisfies Members<AppIdentity>,
  Prompt: {
    id: "required", uid: "required", kind: "required", app: "required", operation: "required", protocol: "required", destination: "required",
    destinations: "required", requests: "required", createdAt: "required", deadline: "required", timeoutAction: "required", notes: "optional",
  } satisfies Members<ApiPrompt>,
  PromptDestination: { address: "optional", port: "optional", host: "optional", hosts: "optional", localPort: "optional" } satisfies Members<PromptDestination>,
  PromptAnswer: { action: "required", scope: "required", duration: "required" } satisfies Members<PromptAnswer>,
  PromptOutcome: { promptId: "required", action: "required", answeredBy: "required", reason: "required", rules: "required" } satisfies Members<PromptOutcome>,
  Rule: {
    schemaVersion: "required", id: "required", owner: "required", action: "required", duration: "required", match: "required",
    priority: "optional", createdAt: "optional", note: "optional",
  } satisfies Members<ApiRule>,
  RuleEntry: { rule: "required", enabled: "required", notes: "optional" } satisfies Members<RuleEntry>,
  ExportDocument: { format: "required", version: "required", exportedAt: "required", rules: "required" } satisfies Members<ExportDocument>,
  Activity: {
    at: "required", uid: "required", exe: "required", op: "required", proto: "required", remoteAddr: "required", remotePort: "required",
    localPort: "required", host: "required", verdict: "required", reason: "required", ruleId: "required", pid: "optional", count: "optional",
    answeredBy: "optional",
  } satisfies Members<ActivityEntry>,
  HistoryEntry: {
    seq: "required", at: "required", uid: "required", exe: "required", op: "required", proto: "required", remoteAddr: "required",
    remotePort: "required", localPort: "required", host: "required", verdict: "required", reason: "required", ruleId: "required",
    pid: "optional", count: "optional", answeredBy: "optional",
  } satisfies Members<HistoryEntry>,
  HistoryQuery: {
    uid: "optional", exe: "optional", host: "optional", verdict: "optional", since: "optional", until: "optional", before: "optional", limit: "optional",
  } satisfies Members<HistoryQuery>,
  Status: {
    daemon: "required", api: "required", prompts: "optional", flows: "optional", maps: "optional", counters: "optional", governed: "optional",
    failure: "optional", kernelFeatures: "optional",
  } satisfies Members<Status>,
  PeerInfo: { uid: "required", gid: "required", pid: "required", groups: "required", admin: "required" } satisfies Members<PeerInfo>,
  HelloParameters: { versions: "required", client: "optional" } satisfies Members<HelloParameters>,
  HelloReply: { interface: "required", server: "required", peer: "required", limits: "required" } satisfies Members<HelloReply>,
};

// The method list and the typed method map name the same methods.
const METHOD_MAP = Object.fromEntries(METHOD_NAMES.map((m) => [m, true])) as Record<keyof ApiMethods, true> & Record<MethodName, true>;

interface ObjectSchema {
  properties?: Record<string, { enum?: unknown[]; items?: { enum?: unknown[] } }>;
  required?: string[];
}
const definitions = API_SCHEMA.definitions as Record<string, ObjectSchema>;

describe("io.sockgate.v1 schema", () => {
  it("is committed as schema/io.sockgate.v1.json, unchanged (else run pnpm --filter @sockgate/protocol schema:api)", () => {
    const onDisk: unknown = JSON.parse(readFileSync(new URL("../../schema/io.sockgate.v1.json", import.meta.url), "utf8"));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(API_DESCRIPTION)));
  });

  it("compiles, every definition, under ajv strict mode", () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true, discriminator: true });
    ajv.addSchema(API_SCHEMA);
    for (const name of Object.keys(definitions)) {
      expect(() => ajv.getSchema(`${API_SCHEMA.$id}#/definitions/${name}`), name).not.toThrow();
    }
  });

  for (const [name, members] of Object.entries(TIED)) {
    it(`${name} has exactly the members of its TypeScript type, required where the type requires them`, () => {
      const schema = definitions[name]!;
      expect(Object.keys(schema.properties ?? {}).sort()).toEqual(Object.keys(members).sort());
      const required = Object.entries(members).filter(([, v]) => v === "required").map(([k]) => k);
      expect([...(schema.required ?? [])].sort()).toEqual(required.sort());
    });
  }

  it("names every method of the typed map, with definitions that exist", () => {
    expect(Object.keys(METHODS).sort()).toEqual(Object.keys(METHOD_MAP).sort());
    for (const [method, spec] of Object.entries(METHODS)) {
      expect(definitions[spec.parameters], `${method} parameters`).toBeDefined();
      expect(definitions[spec.reply], `${method} reply`).toBeDefined();
    }
  });

  it("lists only named errors, and every daemon error is listed somewhere", () => {
    const listed = new Set([...COMMON_ERRORS, ...Object.values(METHODS).flatMap((m) => m.errors)]);
    for (const name of listed) expect(API_ERROR_NAMES).toContain(name);
    const daemonErrors = API_ERROR_NAMES.filter((n) => API_DESCRIPTION.errors[n].origin === "daemon");
    expect(daemonErrors.filter((n) => !listed.has(n))).toEqual([]);
  });

  it("takes operations, protocols and flags from the Request type's value lists", () => {
    expect(definitions.Operation).toMatchObject({ enum: [...REQUEST_OPERATIONS] });
    expect(definitions.Protocol).toMatchObject({ enum: [...REQUEST_PROTOCOLS] });
    expect(definitions.AppIdentity!.properties!.flags!.items!.enum).toEqual([...APP_FLAGS]);
  });
});
