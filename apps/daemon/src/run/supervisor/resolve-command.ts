// The command's file, found the way execvp would (PATH, or a path as given), before the
// fork: the child between fork and exec may only make system calls.

import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export class CommandError extends Error {
  constructor(
    message: string,
    /** 126: found but not executable; 127: not found (as shells say). */
    readonly exitCode: 126 | 127,
  ) {
    super(message);
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function resolveCommand(name: string, path = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"): string {
  if (name.includes("/")) {
    if (executable(name)) return name;
    try {
      statSync(name);
    } catch {
      throw new CommandError(`${name}: no such file`, 127);
    }
    throw new CommandError(`${name}: not an executable file`, 126);
  }
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir === "" ? "." : dir, name);
    if (executable(candidate)) return candidate;
  }
  throw new CommandError(`${name}: command not found`, 127);
}
