// sha256 of executables, for rules that name a program by its hash. Computed only while
// some rule has a sha256 (nothing else needs it), lazily, off the event loop (a stream), and
// cached by device, inode and generation. The file hashed is /proc/PID/exe: the very file
// the process runs, even when its path now names another (an upgrade) or nothing.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { AppIdentity } from "@sockgate/protocol";

const MAX = 4096;

export class ExeHashes {
  readonly #done = new Map<string, string>();
  readonly #running = new Map<string, Promise<string | undefined>>();

  /** The hash now when known, else a promise of it (undefined: the process is gone). */
  get(app: Pick<AppIdentity, "exeDev" | "exeIno" | "exeGeneration" | "pid">): string | Promise<string | undefined> {
    const key = `${app.exeDev}/${app.exeIno}/${app.exeGeneration ?? ""}`;
    const hit = this.#done.get(key);
    if (hit !== undefined) return hit;
    let p = this.#running.get(key);
    if (p === undefined) {
      p = new Promise<string | undefined>((resolve) => {
        const h = createHash("sha256");
        createReadStream(`/proc/${app.pid}/exe`)
          .on("data", (chunk) => h.update(chunk))
          .on("error", () => resolve(undefined))
          .on("end", () => resolve(h.digest("hex")));
      }).then((sha) => {
        this.#running.delete(key);
        if (sha !== undefined) {
          if (this.#done.size >= MAX) this.#done.delete(this.#done.keys().next().value!);
          this.#done.set(key, sha);
        }
        return sha;
      });
      this.#running.set(key, p);
    }
    return p;
  }
}
