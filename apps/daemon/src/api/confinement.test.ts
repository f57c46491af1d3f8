import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { confinedByStatus, isConfined } from "./confinement.js";

describe("confinement of an API client", () => {
  it("is no_new_privs together with a seccomp filter, read from /proc/PID/status", () => {
    expect(confinedByStatus("Name:\tx\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n")).toBe(true);
    expect(confinedByStatus("NoNewPrivs:\t1\nSeccomp:\t0\n"), "no_new_privs alone (many services)").toBe(false);
    expect(confinedByStatus("NoNewPrivs:\t0\nSeccomp:\t2\n"), "a filter without no_new_privs (installed with CAP_SYS_ADMIN)").toBe(false);
    expect(confinedByStatus(""), "fields missing").toBe(false);
  });

  it("this test process is not confined; a process that is gone counts as confined", () => {
    expect(isConfined(process.pid)).toBe(false);
    expect(isConfined(0x7fffffff)).toBe(true);
  });

  it("a real process under no_new_privs and a seccomp filter is confined (python3 installs one through prctl)", () => {
    // SECCOMP_MODE_STRICT would kill python's next syscall; a filter that allows everything is enough
    const code = [
      "import ctypes, os, struct, sys",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "assert libc.prctl(38, 1, 0, 0, 0) == 0",                       // PR_SET_NO_NEW_PRIVS
      "insn = struct.pack('HBBI', 0x06, 0, 0, 0x7fff0000)",           // BPF_RET|BPF_K SECCOMP_RET_ALLOW
      "buf = ctypes.create_string_buffer(insn)",
      "prog = struct.pack('HxxxxxxQ', 1, ctypes.addressof(buf))",
      "pbuf = ctypes.create_string_buffer(prog)",
      "assert libc.prctl(22, 2, pbuf, 0, 0) == 0, ctypes.get_errno()", // PR_SET_SECCOMP, SECCOMP_MODE_FILTER
      "sys.stdout.write(open('/proc/self/status').read())",
    ].join("\n");
    const r = spawnSync("python3", ["-c", code], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(confinedByStatus(r.stdout)).toBe(true);
  });
});
