import { isSockgateError } from "@sockgate/protocol";
import { describe, expect, it } from "vitest";
import { callNative } from "./native.js";

function nativeFailure(fields: Record<string, unknown>): Error {
  return Object.assign(new Error("attach sg_connect4 to /sys/fs/cgroup/x failed: Operation not permitted (EPERM)"), fields);
}

describe("callNative", () => {
  it("turns a failed step into a SockgateError that keeps errno, syscall and step", () => {
    let caught: unknown;
    try {
      callNative(() => {
        throw nativeFailure({ step: "attach", code: "EPERM", errno: -1, syscall: "bpf" });
      });
    } catch (err) {
      caught = err;
    }
    expect(isSockgateError(caught, "SG_ERR_SHIM_ATTACH")).toBe(true);
    expect(caught).toMatchObject({ step: "attach", errno: -1, systemCode: "EPERM", syscall: "bpf" });
    expect((caught as Error).message).toMatch(/^attach sg_connect4 .*\(EPERM\)$/);
  });

  it("maps steps to codes, and lets the addon name a code", () => {
    const codeOf = (fields: Record<string, unknown>): unknown => {
      try {
        callNative(() => {
          throw nativeFailure(fields);
        });
      } catch (err) {
        return (err as { code: unknown }).code;
      }
      return undefined;
    };
    expect(codeOf({ step: "load", errno: -22 })).toBe("SG_ERR_SHIM_LOAD");
    expect(codeOf({ step: "pin", errno: -17 })).toBe("SG_ERR_SHIM_ATTACH");
    expect(codeOf({ step: "update", errno: -12 })).toBe("SG_ERR_SHIM_SYSCALL");
    expect(codeOf({ step: "adopt", sgCode: "SG_ERR_PIN_CGROUP_MISMATCH" })).toBe("SG_ERR_PIN_CGROUP_MISMATCH");
  });

  it("passes other errors through untouched", () => {
    const plain = new TypeError("key must be a Buffer");
    expect(() =>
      callNative(() => {
        throw plain;
      }),
    ).toThrow(plain);
  });
});
