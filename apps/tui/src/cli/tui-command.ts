// sockgate (no command) / sockgate tui: the terminal UI. Loaded only when asked for, so the
// scripting commands start without ink and React.

import type { Command } from "commander";
import { globalsOf } from "./action.js";
import { CliError, EXIT } from "./exit-codes.js";
import { resolveSocketPath } from "./socket-path.js";

export interface TuiFlags {
  keyGuardMs: string;
  shellHint: string;
  startHint: string;
  stopHint: string;
}

export function addTuiOptions(cmd: Command): Command {
  return cmd
    .option("--key-guard-ms <ms>", "answer keys wait this long after a prompt appears, so typing meant elsewhere cannot answer it", "300")
    .option("--shell-hint <cmd>", "the command the empty prompt view suggests for a governed shell", "sockgate-shell")
    .option("--start-hint <cmd>", "the command the 'daemon down' screen suggests", "systemctl start sockgated")
    .option("--stop-hint <cmd>", "the command that stops the daemon, said when the TUI quits", "systemctl stop sockgated");
}

// A smaller young generation keeps the TUI's memory low under a full event rate (activity
// objects die young), and an old-generation limit makes V8 collect instead of growing: with
// V8's defaults the TUI's RSS after 10,000 activity lines was ~165 MB, with these ~110 MB
// (bench:prompt). The live heap then is ~26 MB, so 128 MB leaves room for big rule lists.
const HEAP_FLAGS = ["--max-semi-space-size=2", "--max-old-space-size=128"];

/** Runs this same command again, in place (same pid, same terminal), with HEAP_FLAGS; false where it cannot (or did). */
function reexecWithHeapFlags(): boolean {
  if (process.execArgv.some((a) => a.startsWith("--max-semi-space-size")) || typeof process.execve !== "function" || process.argv[1] === undefined) return false;
  process.execve(process.execPath, [process.execPath, ...HEAP_FLAGS, ...process.execArgv, process.argv[1], ...process.argv.slice(2)], process.env);
  return true;
}

export async function runTui(cmd: Command, flags: TuiFlags): Promise<void> {
  const g = globalsOf(cmd);
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write("sockgate: the TUI needs a terminal; for scripts use a command (sockgate --help lists them)\n");
    process.exitCode = EXIT.usage;
    return;
  }
  const keyGuardMs = Number(flags.keyGuardMs);
  if (!Number.isInteger(keyGuardMs) || keyGuardMs < 0) throw new CliError(`--key-guard-ms: expected a whole number of milliseconds, got ${JSON.stringify(flags.keyGuardMs)}`);
  if (reexecWithHeapFlags()) return;
  // ink draws only a final frame when it believes it runs in CI; this is a person's terminal.
  for (const k of Object.keys(process.env)) if (k === "CI" || k === "CONTINUOUS_INTEGRATION" || k.startsWith("CI_")) delete process.env[k];
  // React's development build checks and keeps far more per render: a person's TUI runs the production one.
  process.env.NODE_ENV ??= "production";
  const { startTui } = await import("../ui/start-tui.js");
  const farewell = await startTui({ socketPath: resolveSocketPath(g), shellHint: flags.shellHint, startHint: flags.startHint, stopHint: flags.stopHint, keyGuardMs });
  process.stdout.write(`${farewell}\n`);
}
