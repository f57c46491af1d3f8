// Shim.delegate: a listen() one process makes on a socket is decided, recorded and reported
// as another thread's, the one user space named on the socket (sockgate run's supervisor
// listens on its copy of the socket it checked). The listener here is this test process's
// own socket, made inside the test cgroup; the named thread is a real sleeping python3.

import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { cgroup2Mount } from "../test/harness/cgroup.js";
import { runIn, startIn, type Started } from "../test/harness/spawn.js";
import { createShimWorld, type ShimWorld } from "../test/harness/world.js";
import { refusal } from "../test/harness/refusal.js";

interface TcpHandle {
  fd: number;
  bind(addr: string, port: number): number;
  listen(backlog: number): number;
  getsockname(out: { port?: number }): number;
  close(): void;
}
// libuv makes the socket at bind() and listens at listen(): between the two this process
// holds a bound socket that does not listen yet, which node's net module never shows
const { TCP, constants } = (process as unknown as { binding(name: string): { TCP: new (type: number) => TcpHandle; constants: { SERVER: number } } }).binding("tcp_wrap");

/** A bound, not yet listening socket of this process, charged to `cgroupPath` (sockets keep the cgroup they were made in). */
function boundSocketIn(cgroupPath: string): { handle: TcpHandle; port: number } {
  const own = readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => l.startsWith("0::"))!.slice(3);
  const handle = new TCP(constants.SERVER);
  writeFileSync(join(cgroupPath, "cgroup.procs"), String(process.pid));
  try {
    expect(handle.bind("127.0.0.1", 0)).toBe(0);
  } finally {
    writeFileSync(join(cgroup2Mount(), own, "cgroup.procs"), String(process.pid));
  }
  const name: { port?: number } = {};
  expect(handle.getsockname(name)).toBe(0);
  return { handle, port: name.port! };
}

describe("a listen made for another thread (Shim.delegate)", () => {
  let w: ShimWorld;
  let sleeper: Started;
  const handles: TcpHandle[] = [];

  beforeAll(async () => {
    w = await createShimWorld({ servers: false });
    sleeper = await startIn(w.inside, ["/usr/bin/python3", "-c", "print('ready', flush=True); import time; time.sleep(600)"], w.cleanup);
  }, 60_000);

  afterAll(async () => {
    for (const h of handles) h.close();
    await w.cleanup.run();
    assertNoLeftovers();
  });

  const listenFor = (tid: number, tgid: number): number => {
    const { handle, port } = boundSocketIn(w.cg.path);
    handles.push(handle);
    w.shim.delegate(handle.fd, "listen", tid, tgid);
    expect(handle.listen(8)).toBe(0);
    return port;
  };

  it("this kernel can (bpf_task_from_pid in sockops and sock_addr programs, exec-time identities)", () => {
    expect(w.shim.features.delegation, w.shim.features.delegation.reason).toEqual({ active: true, reason: "" });
  });

  it("the listen is reported as the named thread's: its pid, uid and executable, not this process's", async () => {
    const port = listenFor(sleeper.pid, sleeper.pid);
    const e = await w.events.waitFor((x) => x.op === "listen" && x.localPort === port, 3000, `listen on ${port}`);
    expect(e).toMatchObject({ pid: sleeper.pid, tgid: sleeper.pid, uid: 0, exePath: "/usr/bin/python3.11", verdict: "none", reason: "observed" });
    expect(e.argv.slice(0, 2)).toEqual(["/usr/bin/python3", "-c"]);
  });

  it("without a name, or with the name used up, the listen is the caller's", async () => {
    const { handle, port } = boundSocketIn(w.cg.path);
    handles.push(handle);
    expect(handle.listen(8)).toBe(0);
    const e = await w.events.waitFor((x) => x.op === "listen" && x.localPort === port, 3000, `listen on ${port}`);
    expect(e).toMatchObject({ pid: process.pid, exePath: process.execPath });
  });

  it("a named thread that is gone (or whose id went to another process) leaves the listener denied", async () => {
    const gone = await runIn(w.inside, ["/bin/true"]);
    expect(gone.code).toBe(0);
    const deadPort = listenFor(gone.pid, gone.pid);
    const dead = await w.events.waitFor((x) => x.op === "listen" && x.localPort === deadPort, 3000, `listen on ${deadPort}`);
    expect(dead).toMatchObject({ verdict: "deny", pid: process.pid });
    // a live thread named with another process's tgid is refused the same
    const otherPort = listenFor(sleeper.pid, process.pid);
    expect(await w.events.waitFor((x) => x.op === "listen" && x.localPort === otherPort, 3000, `listen on ${otherPort}`)).toMatchObject({ verdict: "deny" });
    // and the denied listener's SYNs are dropped: a connect times out, never connects
    const c = await runIn({ cgroup: w.cg }, ["/usr/bin/python3", "-c", `import socket; s = socket.socket(); s.settimeout(1)\ntry:\n s.connect(("127.0.0.1", ${deadPort})); print("connected")\nexcept OSError as e: print("failed", type(e).__name__)`]);
    expect(c.stdout.trim()).toBe("failed TimeoutError");
  });

  it("a name left for another operation is dropped, not used", async () => {
    const { handle, port } = boundSocketIn(w.cg.path);
    handles.push(handle);
    w.shim.delegate(handle.fd, "bind", sleeper.pid, sleeper.pid);
    expect(handle.listen(8)).toBe(0);
    const e = await w.events.waitFor((x) => x.op === "listen" && x.localPort === port, 3000, `listen on ${port}`);
    expect(e).toMatchObject({ pid: process.pid, verdict: "none" });
  });

  it("bad arguments are refused with the field named", () => {
    expect(refusal(() => w.shim.delegate(-1, "listen", 1, 1))).toMatchObject({ code: "SG_ERR_BAD_VALUE", message: expect.stringContaining("socketFd") });
    expect(refusal(() => w.shim.delegate(0, "connect" as "bind", 1, 1))).toMatchObject({ code: "SG_ERR_BAD_VALUE", message: expect.stringContaining("op must be") });
    expect(refusal(() => w.shim.delegate(0, "listen", 0, 1))).toMatchObject({ code: "SG_ERR_BAD_VALUE", message: expect.stringContaining("tid") });
    // a descriptor that is no socket: the kernel refuses it, and says which fd
    const file = openSync("/dev/null", "r");
    try {
      expect(refusal(() => w.shim.delegate(file, "listen", 1, 1))).toMatchObject({ code: "SG_ERR_SHIM_SYSCALL", message: expect.stringContaining(`socket fd ${file}`) });
    } finally {
      closeSync(file);
    }
  });
});
