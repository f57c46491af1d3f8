// The shim's defaults and how a partial config is merged into a whole one.
import type { ShimConfig } from "./types.js";

/**
 * socket/bind/listen cannot be held on a stock kernel, so they proceed and the question
 * is asked afterwards; connect/send/accept fail closed until a verdict exists (a daemon
 * that reads the queue sets them to "hold"). The governed scope is off (everyone governed)
 * until a daemon sets it with setScope(). Budgets of held flows: 256 per uid over at
 * most 1024 of its sockets, 64 peers per listener (sg_pending holds 8192 in all).
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
  scopeEnabled: false,
  pendingPerUid: 256,
  pendingPerListener: 64,
  socksPerUid: 1024,
  hostMountNamespace: 0,
}) as ShimConfig;

/** base with patch applied; unknownPolicy is merged per operation. */
export function mergeConfig(base: ShimConfig, patch: Partial<ShimConfig> | undefined): ShimConfig {
  return {
    unknownPolicy: { ...base.unknownPolicy, ...patch?.unknownPolicy },
    untaggedListenerPolicy: patch?.untaggedListenerPolicy ?? base.untaggedListenerPolicy,
    reportAllows: patch?.reportAllows ?? base.reportAllows,
    scopeEnabled: patch?.scopeEnabled ?? base.scopeEnabled,
    pendingPerUid: patch?.pendingPerUid ?? base.pendingPerUid,
    pendingPerListener: patch?.pendingPerListener ?? base.pendingPerListener,
    socksPerUid: patch?.socksPerUid ?? base.socksPerUid,
    hostMountNamespace: patch?.hostMountNamespace ?? base.hostMountNamespace,
  };
}
