import type { ShimEvent } from "@sockgate/protocol";

/** `::ffff:a.b.c.d` reads as a.b.c.d to a person; the record keeps the mapped form. */
function hostText(addr: string): string {
  return addr.startsWith("::ffff:") && addr.includes(".") ? addr.slice(7) : addr;
}

function endpoint(addr: string, port: number): string {
  const host = hostText(addr);
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One line per event, for the log and the terminal. */
export function formatEvent(ev: ShimEvent): string {
  const where =
    ev.op === "socket"
      ? ""
      : ev.op === "bind" || ev.op === "listen"
        ? ` ${endpoint(ev.localAddr, ev.localPort)}`
        : ev.op === "accept"
          ? ` from ${endpoint(ev.remoteAddr, ev.remotePort)} to :${ev.localPort}`
          : ` ${endpoint(ev.remoteAddr, ev.remotePort)}`;
  const who = ev.exePath || `(${ev.comm || "no executable"})`;
  const tag = ev.tag ? ` tag=${ev.tag}` : "";
  return `${ev.verdict.toUpperCase().padEnd(5)} ${ev.op} ${ev.proto}${where} ${who} pid=${ev.tgid} uid=${ev.uid} reason=${ev.reason}${tag}`;
}
