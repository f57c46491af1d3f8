// sockgate run -- COMMAND: the strictest mode (a seccomp supervisor that holds every socket
// call of COMMAND at the syscall). The supervisor is the daemon package's `sockgate-run`;
// this command starts it with the arguments as given (the TUI talks to the daemon only
// through the API, so it runs the program rather than importing it) and ends as it ends.

import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { EXIT } from "./exit-codes.js";

/** The global options that take a value (their value is never the subcommand). */
const VALUED = new Set(["--socket", "--config"]);

/** Where `sockgate-run` is: beside this program in a checkout or install tree, else on PATH. */
export function findSockgateRun(env: NodeJS.ProcessEnv = process.env, here = import.meta.url): { file: string; viaNode: boolean } | undefined {
  const runnable = (f: string, mode: number): boolean => {
    try {
      accessSync(f, mode);
      return true;
    } catch {
      return false;
    }
  };
  // apps/tui/dist/main.js -> apps/daemon/dist/run.js
  const sibling = fileURLToPath(new URL("../../daemon/dist/run.js", here));
  if (runnable(sibling, constants.R_OK)) return { file: sibling, viaNode: true };
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const f = join(dir || ".", "sockgate-run");
    if (runnable(f, constants.X_OK)) return { file: f, viaNode: false };
  }
  return undefined;
}

/** The arguments after `run` as the user typed them, and a global --socket to pass on. */
export function runArguments(rawArgs: readonly string[]): { args: string[]; socket?: string } {
  let socket: string | undefined;
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (VALUED.has(a)) {
      if (a === "--socket") socket = rawArgs[i + 1];
      i++;
    } else if (a.startsWith("--socket=")) {
      socket = a.slice("--socket=".length);
    } else if (a === "run") {
      return { args: rawArgs.slice(i + 1), ...(socket !== undefined ? { socket } : {}) };
    }
  }
  return { args: [] };
}

export function registerRun(program: Command, argv: readonly string[]): void {
  program
    .command("run")
    .description("run COMMAND with every socket call held at the syscall until decided (sockgate run --help for more)")
    .argument("[args...]", "[--user NAME] [--profile NAME] [--no-io-uring] -- COMMAND ARGS...")
    .helpOption(false)
    .allowUnknownOption()
    .action(async () => {
      const found = findSockgateRun();
      if (found === undefined) {
        process.stderr.write("sockgate run: sockgate-run (the daemon package's supervisor) is not beside this program nor on PATH; install @sockgate/daemon or run ./sockgate run\n");
        process.exitCode = EXIT.error;
        return;
      }
      const { args, socket } = runArguments(argv);
      const passed = [...(socket !== undefined && !args.includes("--socket") ? ["--socket", socket] : []), ...args];
      process.exitCode = await relay(found.viaNode ? process.execPath : found.file, found.viaNode ? [found.file, ...passed] : passed);
    });
}

/** Runs the supervisor in this terminal, in this process group: Ctrl-C and Ctrl-Z reach it
 *  as they would without this process, signals sent to this one are passed on, and its
 *  end (an exit status, or death by a signal, raised again here) is this one's. */
function relay(file: string, argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, argv, { stdio: "inherit" });
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
    for (const s of signals) process.on(s, forward);
    child.on("error", (err) => {
      for (const s of signals) process.off(s, forward);
      process.stderr.write(`sockgate run: cannot start ${file}: ${err.message}\n`);
      resolve(EXIT.error);
    });
    child.on("exit", (code, signal) => {
      for (const s of signals) process.off(s, forward);
      if (signal !== null) {
        process.kill(process.pid, signal);
        return;
      }
      resolve(code ?? EXIT.error);
    });
  });
}
