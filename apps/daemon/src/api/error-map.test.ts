import { SockgateError } from "@sockgate/protocol";
import { ApiError } from "@sockgate/protocol/client";
import { describe, expect, it } from "vitest";
import { toApiError } from "./error-map.js";

describe("toApiError", () => {
  it("passes ApiErrors and maps the engine's and store's errors to the named error of the same meaning", () => {
    const own = new ApiError("io.sockgate.Conflict", "taken");
    expect(toApiError(own, "AddRule")).toEqual({ error: own, fault: false });
    const cases = [
      ["SG_ERR_RULE_INVALID", "io.sockgate.InvalidRule"],
      ["SG_ERR_STORE_CONFLICT", "io.sockgate.Conflict"],
      ["SG_ERR_STORE_FORBIDDEN", "io.sockgate.PermissionDenied"],
      ["SG_ERR_PROMPT_UNKNOWN", "io.sockgate.NotFound"],
      ["SG_ERR_ANSWER_INVALID", "io.sockgate.InvalidAnswer"],
      ["SG_ERR_STORE_IMPORT", "io.sockgate.InvalidImport"],
    ] as const;
    for (const [code, name] of cases) {
      const { error, fault } = toApiError(new SockgateError(code, "match.remotePort[0]: expected ..."), "AddRule");
      expect([error.code, error.message, fault]).toEqual([name, "match.remotePort[0]: expected ...", false]);
    }
  });

  it("passes on the field an invalid rule names, for a UI to show beside it", () => {
    const { error } = toApiError(new SockgateError("SG_ERR_RULE_INVALID", 'rule "r1" is invalid: match.remotePort[0]: expected a port 1-65535; received 0'), "AddRule");
    expect(error.parameters).toEqual({ field: "match.remotePort[0]" });
    // as parseRule words it
    const parsed = toApiError(new SockgateError("SG_ERR_RULE_INVALID", 'rule "r1" is invalid: field match.remotePort[0]: expected a port 1-65535; received 0'), "AddRule");
    expect(parsed.error.parameters).toEqual({ field: "match.remotePort[0]" });
  });

  it("answers anything else InternalError without its details, as a fault to log", () => {
    for (const err of [new Error("/var/lib/sockgate/store.db: disk I/O error"), new SockgateError("SG_ERR_STORE_IO", "disk"), "thrown string"]) {
      const { error, fault } = toApiError(err, "ListRules");
      expect([error.code, error.message, fault]).toEqual(["io.sockgate.InternalError", "ListRules failed inside the daemon; its log says why", true]);
    }
  });
});
