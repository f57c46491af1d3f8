// Throw-away Unix users and a group for tests that need real peer credentials. Names are
// unique per run; everything made is removed by remove(), and by an exit hook should the
// test process end without reaching it.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

export class TestUsers {
  private readonly users: string[] = [];
  private readonly groups: string[] = [];
  private readonly tag = randomBytes(3).toString("hex");
  private readonly onExit = (): void => this.remove();

  constructor() {
    if (process.getuid?.() !== 0) throw new Error("these tests create Unix users: run them as root (./sockgate test does)");
    process.once("exit", this.onExit);
  }

  /** A group named sgt-<role>-<tag>. */
  group(role: string): { name: string; gid: number } {
    const name = `sgt-${role}-${this.tag}`;
    run("groupadd", [name]);
    this.groups.push(name);
    return { name, gid: Number(run("getent", ["group", name]).split(":")[2]) };
  }

  /** A user sgt-<role>-<tag> with its own group, no home, no shell; optionally in more groups. */
  user(role: string, groups: string[] = []): TestUser {
    const name = `sgt-${role}-${this.tag}`;
    run("useradd", ["--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", ...(groups.length > 0 ? ["--groups", groups.join(",")] : []), name]);
    this.users.push(name);
    return { name, uid: Number(run("id", ["-u", name]).trim()), gid: Number(run("id", ["-g", name]).trim()) };
  }

  /** Removes every user and group made, whatever state they are in. */
  remove(): void {
    for (const name of this.users.splice(0)) {
      try {
        run("userdel", [name]);
      } catch {
        // A process of the user may linger (userdel refuses then); --force removes it anyway.
        try {
          run("userdel", ["--force", name]);
        } catch {
          // Already gone: removal must not stop at the first failure.
        }
      }
    }
    for (const name of this.groups.splice(0)) {
      try {
        run("groupdel", [name]);
      } catch {
        // As above.
      }
    }
    process.removeListener("exit", this.onExit);
  }
}
