import { describe, expect, it } from "vitest";
import { LineReader, encodeLine } from "./framing.js";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("LineReader", () => {
  it("reads lines split anywhere across chunks, several per chunk, CRLF or LF, skipping empty lines", () => {
    const text = `${encodeLine({ a: "é✓" })}\n{"b":2}\r\n${encodeLine({ c: [1, 2] })}`;
    const all = bytes(text);
    for (let cut = 0; cut <= all.length; cut++) {
      const r = new LineReader(100);
      const frames = [...r.push(all.subarray(0, cut)), ...r.push(all.subarray(cut))];
      expect(frames, `cut at ${cut}`).toEqual([{ line: `{"a":"é✓"}` }, { line: `{"b":2}` }, { line: `{"c":[1,2]}` }]);
    }
  });

  it("keeps an unfinished line until its newline", () => {
    const r = new LineReader(100);
    expect(r.push(bytes(`{"a":`))).toEqual([]);
    expect(r.buffered).toBe(5);
    expect(r.push(bytes(`1}\n`))).toEqual([{ line: `{"a":1}` }]);
    expect(r.buffered).toBe(0);
  });

  it("reports a line over the limit once, as soon as it passes, and reads the next line normally", () => {
    const r = new LineReader(10);
    expect(r.push(bytes("0123456789"))).toEqual([]);
    expect(r.push(bytes("ab"))).toEqual([{ tooLarge: true, bytes: 12 }]);
    for (let i = 0; i < 100; i++) expect(r.push(bytes("x".repeat(1000)))).toEqual([]);
    expect(r.buffered).toBe(0);
    expect(r.push(bytes("yz\nok\n"))).toEqual([{ line: "ok" }]);
  });

  it("reports a whole over-long line that arrives in one chunk, between good ones", () => {
    const r = new LineReader(10);
    expect(r.push(bytes(`1\n${"z".repeat(11)}\n2\n`))).toEqual([{ line: "1" }, { tooLarge: true, bytes: 11 }, { line: "2" }]);
  });

  it("accepts a line of exactly the limit", () => {
    expect(new LineReader(10).push(bytes("0123456789\n"))).toEqual([{ line: "0123456789" }]);
  });

  it("does not keep the caller's chunk: the caller may reuse its memory", () => {
    const r = new LineReader(100);
    const chunk = bytes("abc");
    r.push(chunk);
    chunk.fill(0x21);
    expect(r.push(bytes("\n"))).toEqual([{ line: "abc" }]);
  });
});
