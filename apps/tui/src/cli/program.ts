// The `sockgate` command line: the TUI by default, and commands for scripts, each with
// --json and --help, on commander. Usage errors exit 2 (see exit-codes.ts for the rest).

import { Command, CommanderError } from "commander";
import { EXIT } from "./exit-codes.js";
import { registerLog } from "./log-command.js";
import { registerPrompts } from "./prompts-command.js";
import { registerRules } from "./rules-command.js";
import { registerRun } from "./run-command.js";
import { registerStatus } from "./status-command.js";
import { addTuiOptions, runTui } from "./tui-command.js";
import type { TuiFlags } from "./tui-command.js";

export const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 error, 2 bad usage or input, 3 daemon not running or unreachable,
4 not allowed, 5 no such rule or prompt, 6 conflict (id taken, owner would change).`;

/** `argv`: the arguments as given (sockgate run passes its own on untouched). */
export function buildProgram(version: string, argv: readonly string[] = []): Command {
  const program = new Command("sockgate")
    .description("sockgate's terminal UI (with no command) and its commands for scripts")
    .version(version)
    .option("--socket <path>", "the daemon's API socket (default: api.socket of the config file, else /run/sockgate/api.sock; env SOCKGATE_SOCKET)")
    .option("--config <file>", "the daemon's configuration file, to find its socket (default /etc/sockgate/config.json; env SOCKGATE_CONFIG)")
    .option("--json", "print JSON: one document, or one JSON line per event for streams")
    .addHelpText("after", EXIT_CODES_HELP)
    .showHelpAfterError("(sockgate --help lists the commands)");
  addTuiOptions(program).action((flags: TuiFlags, cmd: Command) => runTui(cmd, flags));
  addTuiOptions(program.command("tui").description("the terminal UI (the default)")).action((flags: TuiFlags, cmd: Command) => runTui(cmd, flags));
  registerStatus(program);
  registerPrompts(program);
  registerRules(program);
  registerLog(program);
  registerRun(program, argv);
  program.exitOverride();
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

/** Runs the command line; resolves with the exit code. */
export async function runCli(argv: string[], version: string): Promise<number> {
  const program = buildProgram(version, argv);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw err;
  }
  return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
}
