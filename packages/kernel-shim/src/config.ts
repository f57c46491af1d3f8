// The shim's defaults and how a partial config is merged into a whole one.
import type { ShimConfig } from "./types.js";

/**
 * socket/bind/listen cannot be held on a stock kernel, so they proceed and the question
 * is asked afterwards; connect/send/accept fail closed until a verdict exists.
 */
export const DEFAULT_CONFIG: ShimConfig = Object.freeze({
  unknownPolicy: Object.freeze({
    socket: "allow",
    bind: "allow",
    listen: "allow",
    connect: "deny",
    send: "deny",
    accept: "deny",
  }),
  untaggedListenerPolicy: "allow",
  reportAllows: false,
}) as ShimConfig;

/** base with patch applied; unknownPolicy is merged per operation. */
export function mergeConfig(base: ShimConfig, patch: Partial<ShimConfig> | undefined): ShimConfig {
  return {
    unknownPolicy: { ...base.unknownPolicy, ...patch?.unknownPolicy },
    untaggedListenerPolicy: patch?.untaggedListenerPolicy ?? base.untaggedListenerPolicy,
    reportAllows: patch?.reportAllows ?? base.reportAllows,
  };
}
