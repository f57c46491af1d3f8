// Building blocks of the io.sockgate.v1 JSON Schema, and the definitions several methods
// share. Objects the client sends are closed (an unknown member is an error, so a typo
// fails loudly); objects the daemon sends are open (a newer daemon may add members within
// v1 and older clients ignore them).

import { APP_FLAGS, REQUEST_OPERATIONS, REQUEST_PROTOCOLS } from "../request.js";

export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });
export const uint32: Schema = { type: "integer", minimum: 0, maximum: 4294967295 };
export const uint53: Schema = { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
export const bool: Schema = { type: "boolean" };
export const text = (maxLength = 4096, minLength = 0): Schema => ({ type: "string", minLength, maxLength });
export const list = (items: Schema, maxItems = 100_000): Schema => ({ type: "array", items, maxItems });
export const oneOfStrings = (values: readonly string[]): Schema => ({ type: "string", enum: [...values] });
export const nullable = (s: Schema): Schema => ({ ...s, type: [s.type as string, "null"] });

/** An object the client sends: only the listed members. */
export function closed(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: "object", required, properties, additionalProperties: false };
}

/** An object the daemon sends: the listed members, and any a newer daemon adds. */
export function open(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: "object", required, properties };
}

/** A tagged union: `tag` says which branch; each branch is closed or open as `shape` says. */
export function tagged(tag: string, branches: Record<string, { properties?: Record<string, Schema>; required?: string[] }>, shape: "closed" | "open"): Schema {
  return {
    type: "object",
    required: [tag],
    properties: { [tag]: { type: "string" } },
    discriminator: { propertyName: tag },
    oneOf: Object.entries(branches).map(([value, b]) => ({
      properties: { [tag]: { const: value }, ...b.properties },
      required: b.required ?? [],
      ...(shape === "closed" ? { additionalProperties: false } : {}),
    })),
  };
}

const appId = tagged(
  "kind",
  {
    systemd: { properties: { id: text(1024, 1) }, required: ["id"] },
    "user-unit": { properties: { uid: uint32, id: text(1024, 1) }, required: ["uid", "id"] },
    flatpak: { properties: { id: text(1024, 1), verified: bool }, required: ["id", "verified"] },
    snap: { properties: { id: text(1024, 1), verified: bool }, required: ["id", "verified"] },
  },
  "open",
);

/** The members of AppIdentity (src/request.ts); schema.test.ts ties them to the type. */
const appIdentity = open(
  {
    exePath: text(),
    exeDev: uint53,
    exeIno: uint53,
    exeGeneration: uint32,
    exePathVerified: bool,
    sha256: { type: "string", pattern: "^[0-9a-f]{64}$" },
    uid: uint32,
    userName: text(256),
    pid: uint32,
    startTime: uint53,
    parentExe: text(),
    cmdline: list(text(), 4096),
    cmdlineSource: oneOfStrings(["exec", "proc"]),
    cgroupId: uint53,
    cgroupPath: text(),
    appId,
    flags: list(oneOfStrings(APP_FLAGS), APP_FLAGS.length),
  },
  ["exePath", "exeDev", "exeIno", "uid", "pid"],
);

const owner = tagged("kind", { system: {}, user: { properties: { uid: uint32 }, required: ["uid"] } }, "closed");
const ownerSelector = tagged("kind", { system: {}, user: { properties: { uid: uint32 }, required: ["uid"] }, all: {} }, "closed");

export const COMMON_DEFINITIONS: Record<string, Schema> = {
  CallId: { type: ["integer", "string"], minimum: 0, maximum: Number.MAX_SAFE_INTEGER, minLength: 1, maxLength: 64 },
  Owner: owner,
  OwnerSelector: ownerSelector,
  AppIdentity: appIdentity,
  Operation: oneOfStrings(REQUEST_OPERATIONS),
  Protocol: oneOfStrings(REQUEST_PROTOCOLS),
  PeerInfo: open({ uid: uint32, gid: uint32, pid: uint32, groups: list(uint32, 65536), admin: bool }, ["uid", "gid", "pid", "groups", "admin"]),
  Empty: closed({}),
  EmptyReply: open({}),
};
