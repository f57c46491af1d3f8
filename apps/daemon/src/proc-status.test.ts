import { describe, expect, it } from "vitest";
import { statusField } from "./proc-status.js";

const STATUS = "Name:\tpython3\nTgid:\t4242\nUid:\t1000\t1000\t1000\t1000\nSigCgt:\t0000000000004a02\nNoNewPrivs:\t1\n";

describe("statusField", () => {
  it("gives the value of the named line, tabs trimmed", () => {
    expect(statusField(STATUS, "Tgid")).toBe("4242");
    expect(statusField(STATUS, "Uid")).toBe("1000\t1000\t1000\t1000");
    expect(statusField(STATUS, "SigCgt")).toBe("0000000000004a02");
  });

  it("matches whole field names at the start of a line only", () => {
    expect(statusField(STATUS, "Gid")).toBeUndefined();
    expect(statusField(STATUS, "Privs")).toBeUndefined();
    expect(statusField(STATUS, "ame")).toBeUndefined();
  });
});
