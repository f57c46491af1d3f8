// Executables named by rules are watched (inotify, through fs.watch on their directories):
// a package upgrade writes a new file and renames it over the old one, so the inode the
// kernel's entries name is gone and the new file has none. On a change the kernel plan is
// made again, for the new inode.

import { watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

export interface ExeWatch {
  /** Watches exactly these paths' directories from now on. */
  update(paths: readonly string[]): void;
  watched(): string[];
  stop(): void;
}

export function startExeWatch(onReplaced: (path: string) => void, onProblem: (text: string) => void): ExeWatch {
  const dirs = new Map<string, { watcher: FSWatcher; names: Set<string> }>();

  function update(paths: readonly string[]): void {
    const want = new Map<string, Set<string>>();
    for (const p of paths) {
      const dir = dirname(p);
      let names = want.get(dir);
      if (names === undefined) want.set(dir, (names = new Set()));
      names.add(basename(p));
    }
    for (const [dir, w] of dirs) {
      if (!want.has(dir)) {
        w.watcher.close();
        dirs.delete(dir);
      }
    }
    for (const [dir, names] of want) {
      const have = dirs.get(dir);
      if (have !== undefined) {
        have.names = names;
        continue;
      }
      try {
        const entry = { names, watcher: undefined as unknown as FSWatcher };
        entry.watcher = watch(dir, { persistent: false }, (_event, file) => {
          if (file !== null && entry.names.has(file.toString())) onReplaced(`${dir}/${file.toString()}`);
        });
        entry.watcher.on("error", (err) => onProblem(`watching ${dir} failed: ${err.message}`));
        dirs.set(dir, entry);
      } catch (err) {
        onProblem(`cannot watch ${dir} for replaced executables: ${(err as Error).message}`);
      }
    }
  }

  return {
    update,
    watched: () => [...dirs.entries()].flatMap(([dir, w]) => [...w.names].map((n) => `${dir}/${n}`)),
    stop() {
      for (const w of dirs.values()) w.watcher.close();
      dirs.clear();
    },
  };
}
