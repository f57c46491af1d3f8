import { DEFAULT_CONFIG, openShim, unloadShim, type Shim, type ShimOptions } from "../../src/index.js";
import { createTestCgroup, type TestCgroup } from "./cgroup.js";
import { Cleanup } from "./cleanup.js";
import { EventCollector } from "./events.js";
import { clientPath, uniqueName } from "./names.js";
import { createNetns, type TestNetns } from "./netns.js";
import { startIn, type Place } from "./spawn.js";

/** Ports the peer namespace serves on every address (dual-stack sockets). */
export const PEER_TCP_PORT = 8080;
export const PEER_UDP_PORT = 9999;

/** A test cgroup + namespaces with the shim attached to that cgroup, pinned in its own dir. */
export interface ShimWorld {
  cleanup: Cleanup;
  cg: TestCgroup;
  ns: TestNetns;
  pinDir: string;
  shim: Shim;
  events: EventCollector;
  /** Inside the cgroup and the client namespace: where mediated calls happen. */
  inside: Place;
  /** The peer namespace, outside the cgroup. */
  peer: Place;
}

/** Each test in a world starts from this: no verdicts, every unknown allowed, allows reported. */
export const OPEN_CONFIG = {
  unknownPolicy: { socket: "allow", bind: "allow", connect: "allow", listen: "allow", accept: "allow", send: "allow" },
  untaggedListenerPolicy: "allow",
  reportAllows: true,
} as const;

/** OPEN_CONFIG, but connect() and first datagrams with no verdict are held, with the default budgets. */
export const HOLD_CONFIG = {
  ...OPEN_CONFIG,
  unknownPolicy: { ...OPEN_CONFIG.unknownPolicy, connect: "hold", send: "hold" },
  pendingPerUid: DEFAULT_CONFIG.pendingPerUid,
  socksPerUid: DEFAULT_CONFIG.socksPerUid,
} as const;

/** OPEN_CONFIG, but connect() and sends with no verdict are denied. */
export const DENY_CONFIG = {
  ...OPEN_CONFIG,
  unknownPolicy: { ...OPEN_CONFIG.unknownPolicy, connect: "deny", send: "deny" },
} as const;

export function pinDirName(): string {
  return `/sys/fs/bpf/${uniqueName()}`;
}

/** Registers the unload before the open, so a load that fails halfway still leaves no pins. */
export function openShimWithCleanup(cleanup: Cleanup, options: ShimOptions): Shim {
  const pinDir = options.pinDir ?? pinDirName();
  cleanup.add(`unload shim pins ${pinDir}`, () => void unloadShim(pinDir));
  const shim = openShim({ ...options, pinDir });
  cleanup.add(`close shim ${pinDir}`, () => shim.close());
  return shim;
}

export async function createShimWorld(
  opts: { maxVerdicts?: number; maxPending?: number; servers?: boolean; execIdentity?: boolean } = {},
): Promise<ShimWorld> {
  const cleanup = new Cleanup();
  try {
    const cg = createTestCgroup(cleanup);
    const ns = createNetns(cleanup);
    const pinDir = pinDirName();
    const shim = openShimWithCleanup(cleanup, {
      cgroupPath: cg.path,
      pinDir,
      maxVerdicts: opts.maxVerdicts,
      maxPending: opts.maxPending,
      execIdentity: opts.execIdentity,
      config: OPEN_CONFIG,
    });
    const events = new EventCollector(shim, cleanup);
    const peer = { netnsPath: ns.peerPath };
    if (opts.servers !== false) {
      const sgclient = clientPath("sgclient");
      await startIn(peer, [sgclient, "serve", "tcp6", "::", String(PEER_TCP_PORT)], cleanup);
      await startIn(peer, [sgclient, "serve", "udp6", "::", String(PEER_UDP_PORT)], cleanup);
    }
    return { cleanup, cg, ns, pinDir, shim, events, inside: { cgroup: cg, netnsPath: ns.path }, peer };
  } catch (err) {
    await cleanup.run();
    throw err;
  }
}

/** Back to OPEN_CONFIG with no verdicts, between tests sharing a world. */
export function resetShim(shim: Shim): void {
  for (const { key } of shim.listVerdicts()) shim.deleteVerdict(key);
  shim.setConfig(OPEN_CONFIG);
}
