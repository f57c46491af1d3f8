// Reads and checks the configuration file. A missing file is the defaults; anything else
// that is wrong refuses to start with SG_ERR_CONFIG_INVALID naming the field, what was
// expected and what was found.

import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import type { ErrorObject } from "ajv";
import { SockgateError } from "@sockgate/protocol";
import { CONFIG_SCHEMA } from "./schema.js";
import type { DaemonConfig } from "./types.js";

export const DEFAULT_CONFIG_PATH = "/etc/sockgate/config.json";

const ajv = new Ajv({ strict: true, allowUnionTypes: true, useDefaults: true, allErrors: false, verbose: true });
const validate = ajv.compile(CONFIG_SCHEMA);

function fieldOf(err: ErrorObject): string {
  const parts = err.instancePath.split("/").slice(1);
  if (err.keyword === "additionalProperties") parts.push(String((err.params as { additionalProperty: string }).additionalProperty));
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out === "" ? p : `${out}.${p}`), "") || "(the document)";
}

function sentence(err: ErrorObject): string {
  const p = err.params as Record<string, unknown>;
  const got = JSON.stringify(err.data);
  switch (err.keyword) {
    case "additionalProperties":
      return "is not a known setting (see the README of apps/daemon for the fields)";
    case "enum":
      return `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, found ${got}`;
    case "type":
      return `expected ${String(p.type).replace(/,/g, " or ")}, found ${got}`;
    case "minimum":
    case "maximum":
      return `expected a number ${err.keyword === "minimum" ? ">=" : "<="} ${String(p.limit)}, found ${got}`;
    case "pattern":
      return `expected an absolute path (starting with "/"), found ${got}`;
    case "oneOf":
      return `expected "human" or a list of uids and user names, found ${got}`;
    default:
      return `${err.message ?? "is invalid"}, found ${got}`;
  }
}

/** Checks a parsed document and fills in the defaults. `source` names it in errors. */
export function parseConfig(document: unknown, source = "the configuration"): DaemonConfig {
  const copy = structuredClone(document ?? {});
  if (!validate(copy)) {
    // A oneOf reports its branches first; the oneOf itself says what the field may be.
    const err = validate.errors!.find((e) => e.keyword === "oneOf") ?? validate.errors![0]!;
    throw new SockgateError("SG_ERR_CONFIG_INVALID", `${source}: field ${fieldOf(err)} ${sentence(err)}`);
  }
  const c = copy as DaemonConfig & { $schema?: string };
  delete c.$schema;
  return c;
}

/** The configuration in `path`; the defaults when the file does not exist. */
export function loadConfig(path: string): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return parseConfig({}, path);
    throw new SockgateError("SG_ERR_CONFIG_INVALID", `${path}: cannot be read (${(err as Error).message})`, { cause: err });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new SockgateError("SG_ERR_CONFIG_INVALID", `${path}: expected JSON, found text that does not parse (${(err as Error).message})`, { cause: err });
  }
  return parseConfig(document, path);
}
