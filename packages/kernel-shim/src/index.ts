export { DEFAULT_CONFIG } from "./config.js";
export { identityOf } from "./identity.js";
export { openShim } from "./shim.js";
export { unloadShim } from "./unload.js";
export type {
  HookCounters,
  KernelOpName,
  ProgramStats,
  Shim,
  ShimConfig,
  ShimErrorInfo,
  ShimOptions,
  ShimStats,
  VerdictKey,
  VerdictValue,
} from "./types.js";
