// sockgate-shell: the quick start's governed shell. It runs $SHELL (or the given command)
// in the cgroup /sockgate.shell below the cgroup2 mount, which the daemon governs whatever
// the uid (config governed.cgroups), so a root user sees prompts for what they type there.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { cgroup2Root } from "./cgroup-root.js";

const GOVERNED = "/sockgate.shell";

function main(argv: string[]): void {
  const dir = join(cgroup2Root(), GOVERNED);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const command = argv.length > 0 ? argv : [process.env.SHELL ?? "/bin/sh"];
  process.stderr.write(
    `sockgate shell: ${command.join(" ")} runs in the governed cgroup ${GOVERNED}: its connections are asked about in your sockgate UI (exit to leave)\n`,
  );
  // The shell joins the cgroup itself before exec, so its first instruction is governed.
  const child = spawn("sh", ["-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, ...command], { stdio: "inherit", env: { ...process.env, SOCKGATE_SHELL: "1" } });
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
  for (const s of ["SIGINT", "SIGQUIT", "SIGTERM"] as const) process.on(s, () => undefined); // the shell handles them
}

main(process.argv.slice(2));
