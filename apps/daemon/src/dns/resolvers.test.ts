import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRule } from "@sockgate/decision-engine";
import { describe, expect, it } from "vitest";
import { defaultRules } from "../rules/default-rules.js";
import { nameservers, systemResolvers } from "./resolvers.js";

describe("resolvers", () => {
  it("reads nameservers, dropping an IPv6 zone", () => {
    expect(nameservers("# x\nnameserver 192.0.2.53\nsearch lan\nnameserver fe80::1%eth0\n")).toEqual(["192.0.2.53", "fe80::1"]);
  });

  it("with systemd-resolved's stub, its upstreams are believed too", () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-resolv-"));
    try {
      writeFileSync(join(dir, "resolv.conf"), "nameserver 127.0.0.53\n");
      writeFileSync(join(dir, "upstream.conf"), "nameserver 198.51.100.1\n");
      expect(systemResolvers(join(dir, "resolv.conf"), join(dir, "upstream.conf"))).toEqual(["127.0.0.53", "198.51.100.1"]);
      writeFileSync(join(dir, "resolv.conf"), "nameserver 203.0.113.9\n");
      expect(systemResolvers(join(dir, "resolv.conf"), join(dir, "upstream.conf"))).toEqual(["203.0.113.9"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every default rule is a valid system rule", () => {
    const rules = defaultRules(["192.0.2.53"]);
    for (const r of rules) expect(parseRule(r)).toMatchObject({ owner: { kind: "system" }, action: "allow" });
    expect(rules.map((r) => r.id)).toEqual(["default-sockets", "default-loopback", "default-dhcp", "default-dhcp-bind", "default-ntp", "default-dns"]);
    expect(defaultRules([]).map((r) => r.id)).not.toContain("default-dns");
  });
});
