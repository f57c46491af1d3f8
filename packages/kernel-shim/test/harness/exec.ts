import { execFileSync } from "node:child_process";

/** Runs a command to completion; throws with its stderr when it fails. */
export function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: string; status?: number; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${e.status ?? "?"}): ${(e.stderr ?? e.message).trim()}`, {
      cause: err,
    });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
