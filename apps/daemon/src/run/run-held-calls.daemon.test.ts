// `sockgate run` end to end, as alice: a real sockgated, python3 under the real
// supervisor. socket(), bind(), listen(), accept() and connect() each wait until alice
// answers in her UI (a client of the API), then proceed or fail as she answered; an
// answer is asked once, not again by the kernel when the call reaches its hooks.

import { describe, expect, it } from "vitest";
import { clientPath, runIn, sleep } from "@sockgate/kernel-shim/test-harness";
import { PromptingDaemon } from "./test-support/prompting-daemon.js";
import type { PromptEvent } from "./test-support/prompting-daemon.js";
import { PYTHON, SupervisedProcess } from "./test-support/supervised-process.js";

const ONCE = { action: "allow", scope: "host-port", duration: "once" } as const;
const DENY_ONCE = { action: "deny", scope: "host-port", duration: "once" } as const;
const SERVER_PORT = 8090;
const PEER_PORT = 8091;
const UDP_PORT = 8092;

const SERVER = `
import socket, sys
say = lambda *a: print(*a, flush=True)
s = socket.socket(); say("socket")
s.bind((sys.argv[1], int(sys.argv[2]))); say("bound")
s.listen(); say("listening")
c, peer = s.accept(); say("accepted", peer[0])
`;

const CLIENT = `
import socket, sys
s = socket.socket()
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("connected", flush=True)
except OSError as e:
    print("connect failed", e.errno, flush=True)
`;

const SENDER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2):
    try:
        s.sendto(b"x", (sys.argv[1], int(sys.argv[2]))); print("sent", flush=True)
    except OSError as e:
        print("send failed", e.errno, flush=True)
`;

describe("sockgate run: every socket call held at the system call", () => {
  const w = new PromptingDaemon([PEER_PORT], async () => {
    // so that creating a TCP socket is asked too
    const root = await w.f.client(null);
    expect((await root.call("DisableRule", { id: "default-sockets" })).error).toBeUndefined();
  });
  const f = w.f;

  const run = (argv: string[]): SupervisedProcess =>
    SupervisedProcess.start({ cgroup: f.cgroup, netnsPath: f.ns.path, user: f.alice }, ["--socket", f.socketPath, "--", ...argv], f.cleanup);

  const prompt = (operation: string, timeoutMs?: number): Promise<PromptEvent> => w.prompt((p) => p.operation === operation, timeoutMs);

  const answer = (e: PromptEvent, a: object): Promise<void> => w.answer(e, a);

  /** The call is still held: nothing more printed for a while. */
  async function stillHeld(p: SupervisedProcess, notYet: string): Promise<void> {
    await sleep(300);
    expect(p.stdout).not.toContain(notYet);
  }

  it("python3's socket(), bind(), listen() and accept() each wait for alice's answer, then proceed", async () => {
    const server = run([PYTHON, "-c", SERVER, f.ns.local4, String(SERVER_PORT)]);
    const s = await prompt("socket");
    expect(s.prompt).toMatchObject({ uid: f.alice.uid, protocol: "tcp", app: { exePath: "/usr/bin/python3.11", uid: f.alice.uid } });
    await stillHeld(server, "socket");
    await answer(s, ONCE);
    await server.waitFor(/^socket$/m);

    const b = await prompt("bind");
    expect(b.prompt.destination).toMatchObject({ address: f.ns.local4, port: SERVER_PORT });
    await stillHeld(server, "bound");
    await answer(b, ONCE);
    await server.waitFor(/^bound$/m);

    const l = await prompt("listen");
    expect(l.prompt.destination).toMatchObject({ port: SERVER_PORT });
    await stillHeld(server, "listening");
    await answer(l, ONCE);
    await server.waitFor(/^listening$/m);

    // a peer connects: accept() returns only once alice allowed that peer (the kernel's inbound hold)
    const peer = runIn({ netnsPath: f.ns.peerPath }, [clientPath("sgclient"), "connect", "tcp4", f.ns.local4, String(SERVER_PORT)], { timeoutMs: 20_000 });
    const a = await prompt("accept");
    expect(a.prompt.destination).toMatchObject({ address: f.ns.peer4 });
    // the supervisor made the socket listen (on its own copy), yet the listener is python3's
    expect(a.prompt.app).toMatchObject({ exePath: "/usr/bin/python3.11", pid: s.prompt.app.pid, uid: f.alice.uid });
    await stillHeld(server, "accepted");
    await answer(a, ONCE);
    await server.waitFor(/^accepted /m, 15_000);
    expect(server.stdout).toContain(`accepted ${f.ns.peer4}`);
    expect((await peer).json?.ok).toBe(true);
    expect((await server.done).code).toBe(0);
    // each call was asked once: the kernel's own look at socket, bind and listen asked nothing more
    await sleep(500);
    expect(w.tap.events.filter((e) => e.type === "prompt" && e.prompt.app.pid === s.prompt.app.pid).length).toBe(4);
  });

  it("connect() waits for the answer: denied, it fails with EACCES; allowed once, it connects, asked once", async () => {
    const denied = run([PYTHON, "-c", CLIENT, f.ns.peer4, String(PEER_PORT)]);
    await answer(await prompt("socket"), ONCE);
    const c1 = await prompt("connect");
    expect(c1.prompt.destination).toMatchObject({ address: f.ns.peer4, port: PEER_PORT });
    await stillHeld(denied, "connect");
    await answer(c1, DENY_ONCE);
    expect((await denied.done).stdout).toContain("connect failed 13");
    expect(denied.stderr).toMatch(/connect tcp .*:8091 refused \(EACCES\)/);

    const allowed = run([PYTHON, "-c", CLIENT, f.ns.peer4, String(PEER_PORT)]);
    await answer(await prompt("socket"), ONCE);
    const c2 = await prompt("connect");
    await stillHeld(allowed, "connect");
    await answer(c2, ONCE);
    // "once" makes no rule: the kernel holds the SYN and asks, and gets the same answer
    expect((await allowed.done).stdout).toContain("connected");
    expect(w.tap.events.filter((e) => e.type === "prompt" && e.prompt.operation === "connect" && e.prompt.app.pid === c2.prompt.app.pid).length).toBe(1);
  });

  it("sendto() with an address waits too: denied, it fails with EACCES; allowed once, the datagram goes", async () => {
    const p = run([PYTHON, "-c", SENDER, f.ns.peer4, String(UDP_PORT)]);
    const s = await prompt("socket");
    expect(s.prompt.protocol).toBe("udp");
    await answer(s, ONCE);
    const d = await prompt("send");
    expect(d.prompt.destination).toMatchObject({ address: f.ns.peer4, port: UDP_PORT });
    await stillHeld(p, "send");
    await answer(d, DENY_ONCE);
    await p.waitFor(/^send failed 13$/m);
    // "once" is kept nowhere: the second sendto is asked again
    const a = await prompt("send");
    await stillHeld(p, "sent");
    await answer(a, ONCE);
    expect((await p.done).stdout).toMatch(/^sent$/m);
  });
});
