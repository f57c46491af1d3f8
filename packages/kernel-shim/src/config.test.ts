import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, mergeConfig } from "./config.js";

describe("mergeConfig", () => {
  it("changes only the given fields, per operation", () => {
    const merged = mergeConfig(DEFAULT_CONFIG, {
      unknownPolicy: { connect: "allow" } as typeof DEFAULT_CONFIG.unknownPolicy,
      reportAllows: true,
    });
    expect(merged).toEqual({
      unknownPolicy: { ...DEFAULT_CONFIG.unknownPolicy, connect: "allow" },
      untaggedListenerPolicy: "allow",
      reportAllows: true,
      scopeEnabled: false,
      pendingPerUid: 256,
      pendingPerListener: 64,
      socksPerUid: 1024,
      hostMountNamespace: 0,
    });
  });

  it("fails closed by default where a call can be refused before it happens", () => {
    expect(DEFAULT_CONFIG.unknownPolicy).toEqual({
      socket: "allow",
      bind: "allow",
      listen: "allow",
      connect: "deny",
      send: "deny",
      accept: "deny",
    });
    expect(Object.isFrozen(DEFAULT_CONFIG.unknownPolicy)).toBe(true);
  });
});
