// The tree of each pending prompt's asker, recorded when the prompt is raised (while the
// asking process still runs), so that its ancestors, its session and its descendants are
// still refused as answerers after it has exited (process-tree.ts).

import type { ApiBackend } from "./backend.js";
import { snapshotAsker } from "./process-tree.js";
import type { AskerTree } from "./process-tree.js";

/** Far more than the engine keeps pending; past it the oldest records go first (their prompts then cannot be answered once their asker exits). */
const MAX_RECORDS = 65_536;

export class AskerTrees {
  private readonly trees = new Map<string, AskerTree | undefined>();
  private readonly unsubscribe: () => void;

  constructor(backend: ApiBackend, private readonly procRoot = "/proc") {
    this.unsubscribe = backend.subscribe((e) => {
      if (e.type === "prompt") this.raised(e.prompt.id, e.prompt.app.pid, e.prompt.app.startTime);
      else if (e.type === "prompt-settled") this.trees.delete(e.promptId);
    });
  }

  raised(promptId: string, pid: number, startTime: number | undefined): void {
    if (this.trees.has(promptId)) return;
    if (this.trees.size >= MAX_RECORDS) this.trees.delete(this.trees.keys().next().value as string);
    this.trees.set(promptId, snapshotAsker(pid, startTime, this.procRoot));
  }

  /** The recorded tree, or undefined when none was (the asker was gone when it was raised, or it was raised before this server started). */
  of(promptId: string): AskerTree | undefined {
    return this.trees.get(promptId);
  }

  get size(): number {
    return this.trees.size;
  }

  close(): void {
    this.unsubscribe();
    this.trees.clear();
  }
}
