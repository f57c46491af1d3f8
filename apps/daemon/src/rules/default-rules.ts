// The system rules a fresh install starts with, so the first minutes are not a stream of
// prompts about plumbing. Each is an ordinary system rule with a "default-" id: listed,
// editable and removable like any other; they are written once, into a new store, and
// never restored after a removal.

import type { Rule } from "@sockgate/decision-engine";

const system = { kind: "system" } as const;

function rule(id: string, note: string, match: Rule["match"]): Rule {
  return { schemaVersion: 1, id, owner: system, action: "allow", duration: { kind: "forever" }, note, match };
}

export function defaultRules(resolvers: readonly string[]): Rule[] {
  const rules: Rule[] = [
    // Creating a TCP or UDP socket grants nothing: connect, send, bind, listen and accept
    // are asked. Raw and ICMP sockets are still asked at socket().
    rule("default-sockets", "creating TCP and UDP sockets (what they connect to is asked)", { operation: ["socket"], protocol: ["tcp", "udp"] }),
    rule("default-loopback", "connections to services on this host (loopback)", {
      operation: ["connect", "send"],
      remoteAddress: ["127.0.0.0/8", "::1"],
    }),
    rule("default-dhcp", "DHCP clients asking for an address", { operation: ["send", "connect"], protocol: ["udp"], remotePort: [67, 547] }),
    rule("default-dhcp-bind", "DHCP clients binding their port", { operation: ["bind"], protocol: ["udp"], localPort: [68, 546] }),
    rule("default-ntp", "time synchronisation (NTP)", { operation: ["send", "connect"], protocol: ["udp"], remotePort: [123] }),
  ];
  if (resolvers.length > 0) {
    rules.push(
      rule("default-dns", `DNS queries to the configured resolvers (${resolvers.join(", ")}, from resolv.conf when the store was made)`, {
        operation: ["send", "connect"],
        protocol: ["udp", "tcp"],
        remoteAddress: [...resolvers],
        remotePort: [53],
      }),
    );
  }
  return rules;
}
