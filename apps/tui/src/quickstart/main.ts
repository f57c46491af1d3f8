// What ./sockgate start, stop and unload run (node apps/tui/dist/quickstart.js ...): the
// daemon's side of the quick start. The TUI itself is started by ./sockgate afterwards.
//   quickstart.js ensure --daemon PATH   a daemon answering on the socket (reused or started)
//   quickstart.js stop                   SIGTERM to the daemon that answers, and wait for it
//   quickstart.js unload --daemon PATH   stop, detach the shim and remove its pins
// The configuration is $SOCKGATE_CONFIG or /etc/sockgate/config.json; a daemon started
// here logs to $SOCKGATE_LOG or /var/log/sockgate/sockgated.log.

import { readFileSync } from "node:fs";
import { Command } from "commander";
import { DEFAULT_CONFIG_PATH } from "../cli/socket-path.js";
import { ensureDaemon, stopDaemon, unload } from "./daemon-control.js";

function cgroup2Root(): string {
  const line = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .find((l) => l.split(" ")[2] === "cgroup2");
  if (line === undefined) throw new Error("no cgroup2 mount in /proc/mounts");
  return line.split(" ")[1]!;
}

const options = (daemon?: string) => ({
  config: process.env.SOCKGATE_CONFIG ?? DEFAULT_CONFIG_PATH,
  logFile: process.env.SOCKGATE_LOG ?? "/var/log/sockgate/sockgated.log",
  say: (line: string) => process.stderr.write(`${line}\n`),
  ...(daemon === undefined ? {} : { daemon }),
});

const program = new Command("quickstart").description("the daemon's side of ./sockgate start, stop and unload");
program
  .command("ensure")
  .requiredOption("--daemon <path>", "sockgated's executable")
  .action(async (o: { daemon: string }) => void (await ensureDaemon(options(o.daemon))));
program.command("stop").action(async () => void (await stopDaemon(options())));
program
  .command("unload")
  .requiredOption("--daemon <path>", "sockgated's executable")
  .action(async (o: { daemon: string }) => unload(options(o.daemon), cgroup2Root()));

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`sockgate: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
