import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { APP_ID_KINDS, REQUEST_FAMILIES, REQUEST_OPERATIONS, REQUEST_PROTOCOLS } from "@sockgate/protocol/request";
import { MATCH_FIELDS, RULE_FIELDS, RULE_SCHEMA } from "./rule-schema.js";

interface ObjectSchema {
  properties: Record<string, unknown>;
  required?: string[];
}

describe("committed rule schema", () => {
  const onDisk = JSON.parse(readFileSync(new URL("../schema/rule.v1.schema.json", import.meta.url), "utf8")) as ObjectSchema & {
    properties: { match: ObjectSchema };
  };

  // The enums in the schema file must list exactly what @sockgate/protocol's Request can carry.
  it("has the operations, protocols, families and app id kinds of @sockgate/protocol", () => {
    const props = RULE_SCHEMA.properties as { match: { properties: Record<string, { enum?: unknown[]; items?: { enum?: unknown[] }; oneOf?: Array<{ properties: { kind: { const: unknown } } }> }> } };
    const m = props.match.properties;
    expect(m.operation!.items!.enum).toEqual([...REQUEST_OPERATIONS]);
    expect(m.protocol!.items!.enum).toEqual([...REQUEST_PROTOCOLS]);
    expect(m.family!.enum).toEqual([...REQUEST_FAMILIES]);
    expect(m.appId!.oneOf!.map((o) => o.properties.kind.const)).toEqual([...APP_ID_KINDS]);
  });

  it("compiles under ajv strict mode", () => {
    expect(() => new Ajv({ strict: true, allowUnionTypes: true, discriminator: true }).compile(onDisk)).not.toThrow();
  });

  // RULE_FIELDS/MATCH_FIELDS are checked against the TypeScript types by the compiler
  // (satisfies Record<keyof Rule, true>); this ties them to the schema file.
  it("has exactly the fields of the Rule type", () => {
    expect(Object.keys(onDisk.properties).sort()).toEqual(Object.keys(RULE_FIELDS).sort());
  });

  it("has exactly the fields of the RuleMatch type", () => {
    expect(Object.keys(onDisk.properties.match.properties).sort()).toEqual(Object.keys(MATCH_FIELDS).sort());
  });

  it("requires what the Rule type requires", () => {
    expect([...(onDisk.required ?? [])].sort()).toEqual(["action", "duration", "id", "match", "owner", "schemaVersion"]);
  });
});
