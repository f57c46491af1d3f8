// Lines for stdout/stderr, written after the current turn of the event loop in one write:
// a held flow's verdict goes out before its log line, and a burst of events costs one
// write(2), not one per line. Synchronous writes are kept for the last lines at exit.
import { writeSync } from "node:fs";

export class LineWriter {
  #pending: string[] = [];
  #scheduled = false;

  constructor(private readonly fd: number) {}

  write(line: string): void {
    this.#pending.push(line);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const text = `${this.#pending.join("\n")}\n`;
    this.#pending = [];
    try {
      writeSync(this.fd, text);
    } catch {
      // a closed stdout (the reader went away) must not stop the daemon
    }
  }
}

export const stdoutLines = new LineWriter(1);
export const stderrLines = new LineWriter(2);
