// Newline-delimited JSON framing, the same on both sides. A reader holds at most
// `maxBytes` of an unfinished line: a longer line is reported once, as soon as it passes
// the limit, and skipped up to its newline, so the next message on the same connection is
// read normally and memory stays bounded whatever the peer sends.

export type Frame = { line: string } | { tooLarge: true; bytes: number };

const NEWLINE = 0x0a;

export class LineReader {
  private parts: Uint8Array[] = [];
  private held = 0;
  private skipping = false;
  private readonly decoder = new TextDecoder("utf-8");

  constructor(private readonly maxBytes: number) {}

  /** The complete lines in `chunk` (with what came before), and a marker per line over the limit, in order. */
  push(chunk: Uint8Array): Frame[] {
    const out: Frame[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      this.take(chunk.subarray(start, nl), out);
      if (this.skipping) {
        this.skipping = false;
      } else {
        const line = this.drain();
        if (line.length > 0) out.push({ line });
      }
      start = nl + 1;
    }
    this.take(chunk.subarray(start), out);
    return out;
  }

  /** Bytes of an unfinished line held now (for tests: stays <= maxBytes). */
  get buffered(): number {
    return this.held;
  }

  private take(bytes: Uint8Array, out: Frame[]): void {
    if (bytes.length === 0) return;
    if (this.skipping) return;
    if (this.held + bytes.length > this.maxBytes) {
      out.push({ tooLarge: true, bytes: this.held + bytes.length });
      this.parts = [];
      this.held = 0;
      this.skipping = true;
      return;
    }
    // Copied: the caller may reuse the chunk's memory.
    this.parts.push(bytes.slice());
    this.held += bytes.length;
  }

  private drain(): string {
    const whole = this.parts.length === 1 ? this.parts[0]! : concat(this.parts, this.held);
    this.parts = [];
    this.held = 0;
    const text = this.decoder.decode(whole);
    return text.endsWith("\r") ? text.slice(0, -1) : text;
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One message as a line. JSON.stringify never writes a raw newline, so the line cannot split. */
export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
