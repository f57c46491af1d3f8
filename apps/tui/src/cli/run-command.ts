// sockgate run -- COMMAND: the strictest mode (a seccomp supervisor that holds every socket
// call of COMMAND at the syscall). It belongs to issue 11 (apps/daemon/src/run/ and this
// module); until that lands the command says so and exits 1, and does nothing else.

import type { Command } from "commander";
import { EXIT } from "./exit-codes.js";

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run COMMAND with every socket call held at the syscall (not in this build yet: issue 11)")
    .argument("<command...>", "the command and its arguments, after --")
    .action(() => {
      process.stderr.write("sockgate run: not in this build yet (issue 11); use ./sockgate shell for a governed shell\n");
      process.exitCode = EXIT.error;
    });
}
