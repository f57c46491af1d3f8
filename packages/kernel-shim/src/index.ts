export { DEFAULT_CONFIG } from "./config.js";
export { identityOf } from "./identity.js";
export { openShim, verdictReserve } from "./shim.js";
export { DEFAULT_QUEUE_NUM, DEFAULT_REJECT_MARK, identityKeyOf, openHold } from "./hold/holder.js";
export type { FlowDecision, FlowSource, HeldFlow, Hold, HoldOptions, HoldStatus, PacketCounts, Resolution } from "./hold/holder.js";
export { lineageIncludes } from "./lineage-layout.js";
export { netnsPathsNow } from "./netns-paths.js";
export { unloadShim } from "./unload.js";
export { removeChains as removeHoldChains } from "./hold/chains.js";
export type {
  EndTargets,
  FlowKey,
  PacketTuple,
  PendingFlow,
  HookCounters,
  KernelOpName,
  Lineage,
  ProgramStats,
  Shim,
  ShimConfig,
  ShimErrorInfo,
  ShimOptions,
  ShimFeature,
  ShimFeatures,
  ShimStats,
  VerdictKey,
  VerdictValue,
} from "./types.js";
