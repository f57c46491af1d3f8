import { openHold, type Hold } from "../../src/index.js";
import { createShimWorld, HOLD_CONFIG, resetShim, type ShimWorld } from "./world.js";

export interface PortHoldWorld {
  w: ShimWorld;
  hold: Hold;
  /** The port of each flow held, in the order held. */
  heldPorts: number[];
}

/** A world under HOLD_CONFIG whose holder answers each held flow by its port, afterMs after
 *  it was held, for that flow only. Its cleanup (w.cleanup) closes the holder. */
export async function createPortHoldWorld(verdictOf: (port: number) => "allow" | "deny", afterMs: number): Promise<PortHoldWorld> {
  const w = await createShimWorld();
  const heldPorts: number[] = [];
  const hold = await openHold(w.shim, { namespaces: [{ netnsPath: w.ns.path }], chainCheckMs: 0 });
  w.cleanup.add("close hold", () => hold.close());
  hold.onFlow((f) => {
    heldPorts.push(f.key.port);
    setTimeout(() => hold.resolve(f.key, { verdict: verdictOf(f.key.port), cache: "flow" }), afterMs);
  });
  resetShim(w.shim);
  w.shim.setConfig(HOLD_CONFIG);
  return { w, hold, heldPorts };
}
