// parseRequest: untrusted JSON in, a Request out, or SG_ERR_BAD_VALUE naming the first
// field that is wrong, what it expected and what it received. Unknown fields are refused,
// so a misspelt field fails loudly instead of being ignored.

import { parseAddress } from "./address.js";
import { SockgateError } from "./errors.js";
import type { AppId, AppIdentity, Endpoint, Request } from "./request.js";
import { APP_FLAGS, APP_ID_KINDS, REQUEST_FAMILIES, REQUEST_OPERATIONS, REQUEST_PROTOCOLS } from "./request.js";

type Obj = Record<string, unknown>;

function shown(v: unknown): string {
  const text = typeof v === "bigint" ? `${v}n` : (JSON.stringify(v) ?? String(v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fail(field: string, expected: string, received: unknown): never {
  throw new SockgateError("SG_ERR_BAD_VALUE", `${field}: expected ${expected}, received ${shown(received)}`);
}

function object(v: unknown, field: string, allowed: readonly string[]): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(field, "an object", v);
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new SockgateError("SG_ERR_BAD_VALUE", `${field}.${k}: unknown field; expected one of ${allowed.join(", ")}`);
  }
  return v as Obj;
}

function int(v: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) fail(field, `an integer 0..${max}`, v);
  return v;
}

function str(v: unknown, field: string, maxLength = 4096): string {
  if (typeof v !== "string" || v.length > maxLength) fail(field, `a string of at most ${maxLength} characters`, v);
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
  if (!(values as readonly unknown[]).includes(v)) fail(field, `one of ${values.join(", ")}`, v);
  return v as T;
}

function strings(v: unknown, field: string, each: (s: unknown, f: string) => string = str): string[] {
  if (!Array.isArray(v) || v.length > 4096) fail(field, "an array of at most 4096 strings", v);
  return v.map((s, i) => each(s, `${field}[${i}]`));
}

/** Copies the optional fields of `src` that are present, each through its checker. */
function optional<T extends Obj>(out: T, src: Obj, field: string, checks: Record<string, (v: unknown, f: string) => unknown>): T {
  for (const [k, check] of Object.entries(checks)) {
    if (src[k] !== undefined) (out as Obj)[k] = check(src[k], `${field}.${k}`);
  }
  return out;
}

function endpoint(v: unknown, field: string): Endpoint {
  const e = object(v, field, ["address", "port"]);
  return optional({}, e, field, {
    address: (a, f) => {
      const text = str(a, f, 64);
      try {
        parseAddress(text);
      } catch {
        fail(f, "an IPv4 or IPv6 address", a);
      }
      return text;
    },
    port: (p, f) => int(p, f, 65535),
  });
}

function appId(v: unknown, field: string): AppId {
  const kind = oneOf((v as Obj | null)?.kind, `${field}.kind`, APP_ID_KINDS);
  if (kind === "systemd") {
    const a = object(v, field, ["kind", "id"]);
    return { kind, id: str(a.id, `${field}.id`, 256) };
  }
  if (kind === "user-unit") {
    const a = object(v, field, ["kind", "uid", "id"]);
    return { kind, uid: int(a.uid, `${field}.uid`, 0xffffffff), id: str(a.id, `${field}.id`, 256) };
  }
  const a = object(v, field, ["kind", "id", "verified"]);
  if (typeof a.verified !== "boolean") fail(`${field}.verified`, "true or false", a.verified);
  return { kind, id: str(a.id, `${field}.id`, 256), verified: a.verified };
}

const APP_FIELDS = [
  "exePath", "exeDev", "exeIno", "exeGeneration", "exePathVerified", "sha256", "uid", "userName", "pid", "startTime",
  "parentExe", "cmdline", "cmdlineSource", "cgroupId", "cgroupPath", "appId", "flags",
];

function app(v: unknown, field: string): AppIdentity {
  const a = object(v, field, APP_FIELDS);
  const out: AppIdentity = {
    exePath: str(a.exePath, `${field}.exePath`),
    exeDev: int(a.exeDev, `${field}.exeDev`),
    exeIno: int(a.exeIno, `${field}.exeIno`),
    uid: int(a.uid, `${field}.uid`, 0xffffffff),
    pid: int(a.pid, `${field}.pid`, 0xffffffff),
  };
  return optional(out as unknown as Obj, a, field, {
    exeGeneration: (x, f) => int(x, f, 0xffffffff),
    exePathVerified: (x, f) => (typeof x === "boolean" ? x : fail(f, "true or false", x)),
    sha256: (x, f) => (typeof x === "string" && /^[0-9a-f]{64}$/.test(x) ? x : fail(f, "64 lowercase hex digits", x)),
    userName: (x, f) => str(x, f, 256),
    startTime: (x, f) => int(x, f),
    parentExe: (x, f) => str(x, f),
    cmdline: (x, f) => strings(x, f),
    cmdlineSource: (x, f) => oneOf(x, f, ["exec", "proc"] as const),
    cgroupId: (x, f) => int(x, f),
    cgroupPath: (x, f) => str(x, f),
    appId,
    flags: (x, f) => {
      const list = strings(x, f, (s, g) => oneOf(s, g, APP_FLAGS));
      if (new Set(list).size !== list.length) fail(f, "each flag once", x);
      return list;
    },
  }) as unknown as AppIdentity;
}

/**
 * Validates `json` (a parsed value, or JSON text) as a Request and returns a copy.
 * Errors are SG_ERR_BAD_VALUE naming the field: `request.app.exeIno: expected an integer ...`.
 */
export function parseRequest(json: unknown): Request {
  let value = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json) as unknown;
    } catch (err) {
      throw new SockgateError("SG_ERR_BAD_VALUE", `request: expected JSON text, received text that does not parse (${(err as Error).message})`);
    }
  }
  const r = object(value, "request", ["operation", "protocol", "family", "local", "remote", "app", "remoteHostNames", "cookie"]);
  const out: Request = {
    operation: oneOf(r.operation, "request.operation", REQUEST_OPERATIONS),
    protocol: oneOf(r.protocol, "request.protocol", REQUEST_PROTOCOLS),
    family: oneOf(r.family, "request.family", REQUEST_FAMILIES),
    app: app(r.app, "request.app"),
  };
  optional(out as unknown as Obj, r, "request", {
    local: endpoint,
    remote: endpoint,
    remoteHostNames: (x, f) => strings(x, f, (s, g) => str(s, g, 253)),
    cookie: (x, f) => int(x, f),
  });
  if (out.remote !== undefined && (out.operation === "socket" || out.operation === "bind" || out.operation === "listen")) {
    fail("request.remote", `nothing: ${out.operation} has no peer`, out.remote);
  }
  return out;
}
