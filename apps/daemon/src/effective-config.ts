// The configuration in force: the file's, with the command line's flags on top.

import type { DaemonArgs } from "./cli-args.js";
import type { DaemonConfig } from "./config/types.js";

export function effectiveConfig(file: DaemonConfig, args: DaemonArgs): DaemonConfig {
  return {
    ...file,
    cgroup: args.cgroup ?? file.cgroup,
    pinDir: args.pinDir ?? file.pinDir,
    prompts: {
      ...file.prompts,
      ...(args.holdTimeoutMs !== undefined ? { timeoutMs: args.holdTimeoutMs } : {}),
      ...(args.timeoutAction !== undefined ? { timeoutAction: args.timeoutAction } : {}),
    },
    hold: {
      namespaces: args.holdNetns ?? file.hold.namespaces,
      queueNum: args.queueNum ?? file.hold.queueNum,
    },
  };
}
