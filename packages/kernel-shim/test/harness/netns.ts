import type { Cleanup } from "./cleanup.js";
import { run } from "./exec.js";
import { NETNS_PREFIX, nextIndex } from "./names.js";

/**
 * Two network namespaces joined by a veth pair: `name` is where clients under test
 * run, `peer` plays the remote host. Addresses: 10.77.<x>.1 / fd77:<x>::1 on the
 * client side, .2 / ::2 on the peer.
 */
export interface TestNetns {
  name: string;
  peer: string;
  path: string;
  peerPath: string;
  local4: string;
  peer4: string;
  local6: string;
  peer6: string;
}

export function createNetns(cleanup: Cleanup): TestNetns {
  const n = nextIndex();
  const x = n % 256;
  const name = `${NETNS_PREFIX}${n}`;
  const peer = `${name}p`;
  const ns: TestNetns = {
    name,
    peer,
    path: `/run/netns/${name}`,
    peerPath: `/run/netns/${peer}`,
    local4: `10.77.${x}.1`,
    peer4: `10.77.${x}.2`,
    local6: `fd77:${x.toString(16)}::1`,
    peer6: `fd77:${x.toString(16)}::2`,
  };
  for (const nsName of [name, peer]) {
    run("ip", ["netns", "add", nsName]);
    cleanup.add(`delete netns ${nsName}`, () => void run("ip", ["netns", "del", nsName]));
    run("ip", ["-n", nsName, "link", "set", "lo", "up"]);
  }
  // ping sockets for every group, as desktop distributions configure it (the netns default is none)
  run("nsenter", [`--net=${ns.path}`, "--", "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647"]);
  run("ip", ["-n", name, "link", "add", "sg0", "type", "veth", "peer", "name", "sg1", "netns", peer]);
  run("ip", ["-n", name, "addr", "add", `${ns.local4}/24`, "dev", "sg0"]);
  run("ip", ["-n", name, "addr", "add", `${ns.local6}/64`, "dev", "sg0", "nodad"]);
  run("ip", ["-n", peer, "addr", "add", `${ns.peer4}/24`, "dev", "sg1"]);
  run("ip", ["-n", peer, "addr", "add", `${ns.peer6}/64`, "dev", "sg1", "nodad"]);
  run("ip", ["-n", name, "link", "set", "sg0", "up"]);
  run("ip", ["-n", peer, "link", "set", "sg1", "up"]);
  return ns;
}
