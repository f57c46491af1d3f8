// `sockgate run` end to end in the mode of kernels before 5.19, where the filter has no
// SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: a caught signal interrupts a held call in the
// kernel, which restarts it (SA_RESTART) or fails it with EINTR, and a restarted call is a
// new notification that must be asked again. This kernel has the flag, so the tests select
// the older mode with the test hook SOCKGATE_RUN_TEST_INTERRUPTIBLE_WAIT=1 (native/run/spawn.h).
// A real sockgated, python3 as alice under the real supervisor: the signal handler runs at
// once, the call is never let through undecided and ends as alice answers, the supervisor
// killed mid-hold fails the call (ENOSYS), and the answer to an interrupted notification
// never decides the call that came after it.

import { describe, expect, it } from "vitest";
import { sleep } from "@sockgate/kernel-shim/test-harness";
import { PromptingDaemon } from "./test-support/prompting-daemon.js";
import type { PromptEvent } from "./test-support/prompting-daemon.js";
import { INTERRUPTIBLE_WAIT_ENV } from "./supervisor/supervise-command.js";
import { PYTHON, SupervisedProcess } from "./test-support/supervised-process.js";

const ONCE = { action: "allow", scope: "host-port", duration: "once" } as const;
const DENY_ONCE = { action: "deny", scope: "host-port", duration: "once" } as const;
const P_DENY = 8121;
const P_ALLOW = 8122;
const P_KILLED = 8123;
const P_OLD = 8124;
const P_NEW = 8125;
const P_PLAIN = 8126;
/** With the killable wait a caught signal waits for the supervisor's EINTR (held 200 ms, looked at every 100 ms). */
const PROMPT_MS = 150;

// python3 -c SCRIPT HOST MODE PORT...: one TCP socket, a SIGUSR1 handler, then connect.
// restart: socket.connect() to the first port with SA_RESTART on SIGUSR1 (the kernel
//   restarts an interrupted call itself; python's handler runs once connect returns).
// eintr: libc connect() (ctypes, so python does not retry or poll) without SA_RESTART, to
//   each port in turn while it fails with EINTR.
// "signal delivered" is written by a thread that blocks SIGUSR1 and reads python's wakeup
// fd, which the C-level handler writes when the kernel runs it: the moment the signal is taken.
// Before "done" the script closes the pipe and joins that thread: when the call returns at
// once (an EINTR) the main thread can run to exit before the thread gets the GIL, and a
// daemon thread's pending line would be lost with the process.
const SCRIPT = `
import ctypes, errno, os, signal, socket, struct, sys, threading
host, mode, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
out = lambda t: os.write(1, (t + "\\n").encode())
signal.signal(signal.SIGUSR1, lambda s, f: out("handler ran"))
if mode == "restart":
    signal.siginterrupt(signal.SIGUSR1, False)
mode = "restart" if mode == "plain" else mode
r, w = os.pipe()
os.set_blocking(w, False)
signal.set_wakeup_fd(w)
ready = threading.Event()
def watch():
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
    ready.set()
    while os.read(r, 64):
        out("signal delivered")
watcher = threading.Thread(target=watch, daemon=True)
watcher.start()
ready.wait()
s = socket.socket()
out("connecting")
if mode == "restart":
    try:
        s.connect((host, ports[0])); out("connected %d" % ports[0])
    except OSError as e:
        out("connect failed %d" % e.errno)
else:
    libc = ctypes.CDLL(None, use_errno=True)
    for port in ports:
        addr = struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + socket.inet_aton(host) + bytes(8)
        if libc.connect(s.fileno(), addr, len(addr)) == 0:
            out("connected %d" % port); break
        err = ctypes.get_errno()
        out("connect %d failed %d" % (port, err))
        if err != errno.EINTR: break
try:
    out("peer %s %d" % s.getpeername())
except OSError as e:
    out("no peer %d" % e.errno)
try:
    socket.socket(); out("socket made")
except OSError as e:
    out("socket failed %d" % e.errno)
signal.set_wakeup_fd(-1)
os.close(w)
watcher.join()
out("done")
`;

interface Stats {
  asked: number;
  answered: number;
  gone: number;
  killableWait: boolean;
}

describe("sockgate run without the killable wait (kernels before 5.19): a signal restarts a held call, which is asked again", () => {
  const w = new PromptingDaemon([P_DENY, P_ALLOW, P_KILLED, P_OLD, P_NEW, P_PLAIN]);
  const f = w.f;

  const run = (argv: string[], env: Record<string, string> = { [INTERRUPTIBLE_WAIT_ENV]: "1" }): SupervisedProcess =>
    SupervisedProcess.start({ cgroup: f.cgroup, netnsPath: f.ns.path, user: f.alice }, ["--socket", f.socketPath, "--stats", "--", ...argv], f.cleanup, env);

  const prompt = (port: number): Promise<PromptEvent> => w.prompt((p) => p.destination.port === port);

  const answer = (e: PromptEvent, a: object): Promise<void> => w.answer(e, a);

  const promptsFor = (pid: number, port: number): number =>
    w.tap.events.filter((e) => e.type === "prompt" && e.prompt.app.pid === pid && e.prompt.destination.port === port).length;

  function stats(p: SupervisedProcess): Stats {
    const m = p.stderr.match(/^sockgate run: stats (\{.*\})$/m);
    expect(m, p.stderr).not.toBeNull();
    return JSON.parse(m![1]!) as Stats;
  }

  /** SIGUSR1 to the held command: taken by the kernel at once (the wakeup fd), not after an answer. */
  async function signalNow(p: SupervisedProcess, pid: number, seen: number): Promise<void> {
    const t0 = Date.now();
    process.kill(pid, "SIGUSR1");
    const count = (): number => p.stdout.match(/^signal delivered$/gm)?.length ?? 0;
    while (count() < seen && Date.now() - t0 < 5000) await sleep(5);
    expect(count(), p.stdout).toBe(seen);
    expect(Date.now() - t0, p.stdout).toBeLessThan(PROMPT_MS);
  }

  it("the test hook selects the older mode, and says so; without it the killable wait is used", async () => {
    const hooked = run(["/bin/true"]);
    expect((await hooked.done).code).toBe(0);
    expect(stats(hooked).killableWait).toBe(false);
    expect(hooked.stderr).toContain(`${INTERRUPTIBLE_WAIT_ENV}=1 (a test hook)`);
    const plain = run(["/bin/true"], {});
    expect((await plain.done).code).toBe(0);
    expect(stats(plain).killableWait).toBe(true);
    expect(plain.stderr).not.toContain("test hook");
  });

  it.each([
    { answer: DENY_ONCE, port: P_DENY, end: "connect failed 13", peer: /^no peer 107$/m },
    { answer: ONCE, port: P_ALLOW, end: `connected ${P_ALLOW}`, peer: new RegExp(`^peer \\S+ ${P_ALLOW}$`, "m") },
  ])("a held connect interrupted by caught signals runs the handler at once, is held again and ends as answered ($answer.action)", async (c) => {
    const p = run([PYTHON, "-c", SCRIPT, f.ns.peer4, "restart", String(c.port)]);
    const q = await prompt(c.port);
    await p.waitFor(/^connecting$/m);
    // twice: each interruption ends a notification, the restarted call is a new one
    for (const n of [1, 2]) {
      await signalNow(p, q.prompt.app.pid, n);
      await sleep(300);
      expect(p.stdout).not.toMatch(/^(connected|connect failed)/m);
    }
    // the same question again: it joins alice's prompt, no second prompt
    expect(promptsFor(q.prompt.app.pid, c.port)).toBe(1);
    await answer(q, c.answer);
    await p.waitFor(/^done$/m);
    expect(p.stdout).toMatch(new RegExp(`^${c.end}$`, "m"));
    expect(p.stdout).toMatch(c.peer);
    // python's own handler ran once the restarted call returned (python runs it once for
    // both signals: they were taken while it could not run python code)
    expect(p.stdout).toMatch(/^handler ran$/m);
    const end = await p.done;
    expect(end.code).toBe(0);
    const s = stats(p);
    expect(s.killableWait).toBe(false);
    // socket() once, connect() three times (the first notification and two restarts), each
    // asked; the two interrupted ones' answers found no call (gone)
    expect(s.asked).toBe(4);
    expect(s.gone).toBeGreaterThanOrEqual(2);
    expect(promptsFor(q.prompt.app.pid, c.port)).toBe(1);
  });

  it("python's socket.connect() with a handler that does not raise (no SA_RESTART): EINTR, which python takes for a connect in progress, and nothing is connected", async () => {
    const p = run([PYTHON, "-c", SCRIPT, f.ns.peer4, "plain", String(P_PLAIN)]);
    const q = await prompt(P_PLAIN);
    await p.waitFor(/^connecting$/m);
    await signalNow(p, q.prompt.app.pid, 1);
    await p.waitFor(/^done$/m, 2000);
    expect(p.stdout).toMatch(/^handler ran$/m);
    // Python waits for writability and reads SO_ERROR (0) after an EINTR from connect(), as
    // for a handshake the kernel goes on with; here the kernel never began one
    expect(p.stdout).toMatch(new RegExp(`^connected ${P_PLAIN}$`, "m"));
    expect(p.stdout).toMatch(/^no peer 107$/m);
    await answer(q, ONCE);
    expect((await p.done).code).toBe(0);
  });

  it("the supervisor killed while a restarted connect is held: the call fails (ENOSYS), never continues, nor do later calls", async () => {
    const p = run([PYTHON, "-c", SCRIPT, f.ns.peer4, "restart", String(P_KILLED)]);
    const q = await prompt(P_KILLED);
    await p.waitFor(/^connecting$/m);
    // should the call stay held (the listener alive elsewhere), the command is ended here
    f.cleanup.add("kill the command", () => void (p.stdout.includes("done") || process.kill(q.prompt.app.pid, "SIGKILL")));
    await signalNow(p, q.prompt.app.pid, 1);
    await sleep(200);
    process.kill(p.pid, "SIGKILL");
    // the command outlives sockgate run: its output still arrives on the same pipe
    await p.waitFor(/^done$/m);
    expect(p.stdout).toMatch(/^connect failed 38$/m);
    expect(p.stdout).toMatch(/^no peer 107$/m);
    expect(p.stdout).toMatch(/^socket failed 38$/m);
    expect(p.stdout).not.toMatch(/^connected/m);
  });

  it("the answer to an interrupted notification does not decide the call after it: each is asked and answered on its own", async () => {
    const p = run([PYTHON, "-c", SCRIPT, f.ns.peer4, "eintr", String(P_OLD), String(P_NEW)]);
    const old = await prompt(P_OLD);
    await p.waitFor(/^connecting$/m);
    await signalNow(p, old.prompt.app.pid, 1);
    // no SA_RESTART: connect fails with EINTR at once, the handler runs, the program connects elsewhere
    await p.waitFor(new RegExp(`^connect ${P_OLD} failed 4$`, "m"), 2000);
    await p.waitFor(/^handler ran$/m, 2000);
    const next = await prompt(P_NEW);
    expect(next.prompt.app.pid).toBe(old.prompt.app.pid);
    // alice allows the old question: its notification is gone, and the new call stays held
    await answer(old, ONCE);
    await sleep(500);
    expect(p.stdout).not.toMatch(new RegExp(`^(connected|connect ${P_NEW})`, "m"));
    await answer(next, DENY_ONCE);
    await p.waitFor(/^done$/m);
    expect(p.stdout).toMatch(new RegExp(`^connect ${P_NEW} failed 13$`, "m"));
    expect(p.stdout).toMatch(/^no peer 107$/m);
    expect(p.stdout).not.toMatch(/^connected/m);
    expect((await p.done).code).toBe(0);
    const s = stats(p);
    expect(s.asked).toBe(3); // socket(), the old connect, the new one
    expect(s.gone).toBeGreaterThanOrEqual(1); // the old answer found no call
    expect(p.stderr).toMatch(new RegExp(`connect tcp .*:${P_NEW} refused \\(EACCES\\)`));
  });
});
