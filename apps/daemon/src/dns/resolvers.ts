// The resolvers whose DNS answers the daemon believes: the nameservers of /etc/resolv.conf
// and, when that names systemd-resolved's stub (127.0.0.53/54), the stub itself plus the
// upstreams resolved uses (/run/systemd/resolve/resolv.conf). An application asking its
// own DNS server gets answers, but they label nothing.

import { readFileSync } from "node:fs";

const STUBS = new Set(["127.0.0.53", "127.0.0.54"]);

export function nameservers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    // a scoped IPv6 address (fe80::1%eth0) is kept without its zone: the packet has none
    if (m) out.push(m[1]!.replace(/%.*$/, ""));
  }
  return out;
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** The system's configured resolvers now. */
export function systemResolvers(resolvConf = "/etc/resolv.conf", resolvedUpstreams = "/run/systemd/resolve/resolv.conf"): string[] {
  const main = nameservers(read(resolvConf));
  const all = new Set(main);
  if (main.some((a) => STUBS.has(a))) for (const a of nameservers(read(resolvedUpstreams))) all.add(a);
  return [...all];
}
