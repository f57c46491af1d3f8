// Real terminals for end-to-end tests: a tmux server of the test's own (its own socket
// name), sessions of a fixed size, the screen read with capture-pane and keys typed with
// send-keys. The server, and every program in it, is killed at cleanup.

import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Cleanup } from "@sockgate/kernel-shim/test-harness";

let counter = 0;

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export class Tmux {
  readonly socket = `sgtest-tui-${process.pid}-${++counter}`;

  constructor(cleanup: Cleanup) {
    cleanup.add(`kill tmux server ${this.socket}`, () => {
      try {
        this.tmux(["kill-server"]);
      } catch {
        // no server (never started, or already gone)
      }
      // kill-server leaves its socket file behind
      rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
    });
  }

  tmux(args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  /** A session running argv (through sh -c, which `exec`s it); it stays open after argv exits, to show its last words. */
  start(name: string, argv: string[], o: { width?: number; height?: number; env?: Record<string, string> } = {}): void {
    const env = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`);
    const command = `${env.length > 0 ? `env ${env.join(" ")} ` : ""}${argv.map(quote).join(" ")}; echo "[exited $?]"; sleep 600`;
    this.tmux(["-u", "new-session", "-d", "-s", name, "-x", String(o.width ?? 80), "-y", String(o.height ?? 24), command]);
  }

  /** The visible screen, one string per row. */
  screen(name: string): string {
    return this.tmux(["capture-pane", "-p", "-t", name]);
  }

  /** Waits until the screen satisfies `test` (a regex or a predicate); returns that screen. */
  async waitFor(name: string, test: RegExp | ((screen: string) => boolean), timeoutMs = 10_000, what = String(test)): Promise<string> {
    const ok = typeof test === "function" ? test : (s: string) => test.test(s);
    const end = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < end) {
      last = this.screen(name);
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`tmux ${name}: ${what} not on screen within ${timeoutMs} ms; the screen:\n${last}`);
  }

  /** Types keys: tmux key names ("Enter", "Escape", "Down") or literal text with `literal`. */
  send(name: string, keys: string[], literal = false): void {
    this.tmux(["send-keys", "-t", name, ...(literal ? ["-l"] : []), ...keys]);
  }
}
