// `sockgate run` (the sockgate-run bin, and the TUI's `sockgate run`): runMain(argv)
// parses the arguments, becomes --user if asked, reads the profile, supervises the
// command and ends as it ended. The work is in supervisor/.

import { execFileSync } from "node:child_process";
import { DEFAULT_SOCKET_PATH } from "@sockgate/protocol/client";
import type { RunProfile } from "@sockgate/protocol/client";
import { runAddon } from "./native.js";
import { loadProfile } from "./supervisor/profile-file.js";
import { CommandError, resolveCommand } from "./supervisor/resolve-command.js";
import { HELP, USAGE, parseRunArgs } from "./supervisor/run-args.js";
import type { RunOptions } from "./supervisor/run-args.js";
import { RunFailure, say, superviseCommand } from "./supervisor/supervise-command.js";

/** sockgate run failed (not the command): as `env` and container runtimes say. */
export const EXIT_RUN_FAILED = 125;

function becomeUser(name: string, env: NodeJS.ProcessEnv): void {
  if (process.getuid?.() !== 0) throw new RunFailure(`--user ${name}: only root can run a command as another user`);
  let entry: string[];
  try {
    entry = execFileSync("getent", ["passwd", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split(":");
  } catch (err) {
    // getent: 2 is "not found"; anything else is a lookup that could not be made
    const status = (err as { status?: number }).status;
    throw new RunFailure(status === 2 ? `--user ${name}: no such user` : `--user ${name}: the user could not be looked up (getent exited with ${status ?? "a signal"})`);
  }
  const [login, , uid, gid, , home] = entry;
  if (login === undefined || uid === undefined || gid === undefined) throw new RunFailure(`--user ${name}: no such user`);
  process.initgroups!(login, Number(gid));
  process.setgid!(Number(gid));
  process.setuid!(Number(uid));
  Object.assign(env, { USER: login, LOGNAME: login, HOME: home ?? "/" });
}

async function run(options: RunOptions): Promise<never> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.user !== undefined) {
    try {
      becomeUser(options.user, env);
    } catch (err) {
      throw new RunFailure((err as Error).message.split("\n")[0]!);
    }
  }
  let profile: RunProfile | undefined;
  if (options.profile !== undefined) {
    try {
      profile = loadProfile(options.profile, env);
    } catch (err) {
      throw new RunFailure((err as Error).message);
    }
  }
  const file = resolveCommand(options.command[0]!, env.PATH);
  const end = await superviseCommand({
    file,
    argv: options.command,
    env,
    noIoUring: options.noIoUring,
    quiet: options.quiet,
    ...(options.stats ? { stats: true } : {}),
    socketPath: options.socket ?? process.env.SOCKGATE_SOCKET ?? DEFAULT_SOCKET_PATH,
    ...(profile ? { profile } : {}),
  });
  return runAddon().exitLike(end.kind, end.value);
}

/** Runs `sockgate run ARGV...` (the arguments after "run") and ends the process as the command ended. */
export async function runMain(argv: readonly string[]): Promise<never> {
  const parsed = parseRunArgs(argv);
  if (parsed.kind === "help") {
    say(HELP);
    process.exit(0);
  }
  if (parsed.kind === "error") {
    say(`sockgate run: ${parsed.message}\n${USAGE}`);
    process.exit(2);
  }
  try {
    return await run(parsed.options);
  } catch (err) {
    if (err instanceof CommandError) {
      say(`sockgate run: ${err.message}`);
      process.exit(err.exitCode);
    }
    say(`sockgate run: ${err instanceof RunFailure ? err.message : String((err as Error).stack ?? err)}`);
    process.exit(EXIT_RUN_FAILED);
  }
}
