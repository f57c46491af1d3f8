// Datagram tests' two ends: a client that runs a few socket calls, and a peer-side capture
// of what its datagrams got through.
import { expect } from "vitest";

/** Prints "GOT <port> <payload>" for each UDP datagram from localIp to ports 7000-7099; a
 *  socket bound to each of them takes the datagrams, so that no port unreachable comes back
 *  (a connected client's next send would fail with ECONNREFUSED). */
export function udpCapture(localIp: string, secs: number, v6 = false): string {
  const fam = v6 ? "socket.AF_INET6" : "socket.AF_INET";
  return `import socket, time
sinks = []
for port in range(7000, 7100):
    u = socket.socket(${fam}, socket.SOCK_DGRAM)
    if ${v6 ? "True" : "False"}: u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    u.bind(("::" if ${v6 ? "True" : "False"} else "0.0.0.0", port)); sinks.append(u)
r = socket.socket(${fam}, socket.SOCK_RAW, socket.IPPROTO_UDP); r.settimeout(0.1)
end = time.time() + ${secs}
while time.time() < end:
    try:
        p, a = r.recvfrom(65535)
    except socket.timeout:
        continue
    if ${v6 ? "True" : "False"}:
        src, udp = a[0], p
    else:
        ihl = (p[0] & 15) * 4; src, udp = socket.inet_ntoa(p[12:16]), p[ihl:]
    port = int.from_bytes(udp[2:4], "big")
    if src == "${localIp}" and 7000 <= port < 7100:
        print("GOT", port, udp[8:40].decode(errors="replace"), flush=True)
print("capture done", flush=True)`;
}

/** A python client: runs body with s a UDP socket (IPv6 with v6) and moveto(cgroupPath)
 *  defined; prints "sent" at the end, or "refused <errno>" when a call fails. */
export function udpClient(body: string, v6 = false): string {
  return `import socket, time, os
MSG_MORE = 0x8000
s = socket.socket(socket.AF_INET6 if ${v6 ? "True" : "False"} else socket.AF_INET, socket.SOCK_DGRAM)
def moveto(p):
    open(p + "/cgroup.procs", "w").write(str(os.getpid()))
try:
${body
  .split("\n")
  .map((l) => `    ${l}`)
  .join("\n")}
    print("sent", flush=True)
except OSError as e:
    print("refused", e.errno, flush=True)`;
}

/** The "GOT" lines of a capture's output, sorted; fails when the capture did not run to its end. */
export function arrivedDatagrams(captured: string): string[] {
  expect(captured, "the capture ran to the end").toContain("capture done");
  return captured
    .split("\n")
    .filter((l) => l.startsWith("GOT"))
    .sort();
}
