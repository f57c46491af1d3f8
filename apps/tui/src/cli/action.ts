// Every command's action runs through here: the global options, one output, and an exit
// code from whatever went wrong.

import type { Command } from "commander";
import { exitCodeOf } from "./exit-codes.js";
import { makeOut } from "./output.js";
import type { Out } from "./output.js";
import type { SocketOptions } from "./socket-path.js";

export interface Globals extends SocketOptions {
  json: boolean;
}

export function globalsOf(cmd: Command): Globals {
  const o = cmd.optsWithGlobals<{ socket?: string; config?: string; json?: boolean }>();
  return { socket: o.socket, config: o.config, json: o.json === true };
}

/** Wraps a command's work: errors are printed (JSON under --json) and set the exit code. */
export function action<A extends unknown[]>(fn: (g: Globals, out: Out, ...args: A) => Promise<void>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args.at(-1) as Command;
    const g = globalsOf(cmd);
    const out = makeOut(g.json);
    try {
      await fn(g, out, ...(args.slice(0, -1) as A));
    } catch (err) {
      out.error(err);
      process.exitCode = exitCodeOf(err);
    }
  };
}
