// "@sockgate/decision-engine/kernel": which verdict-map entries express a rule set exactly
// (struct sg_verdict_key in @sockgate/protocol's ABI header), and the diff between plans.
// Entries carry their rule's deadline; process-scoped rules never become entries.

export { kernelVerdicts } from "./kernel-verdicts.js";
export type { ExecutableIdentity, KernelVerdictOptions, KernelVerdictPlan } from "./kernel-verdicts.js";
export { diffKernelVerdicts, fnv1a32, kernelVerdictKeyString } from "./kernel-verdict-key.js";
export type { KernelVerdict, KernelVerdictKey } from "./kernel-verdict-key.js";
