import { describe, expect, test } from "bun:test";
import { LineWriter, MAX_LINE_BYTES } from "./log.ts";

function collect(): { lines: string[]; writer: LineWriter } {
  const lines: string[] = [];
  return { lines, writer: new LineWriter((line) => lines.push(line)) };
}

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("LineWriter", () => {
  test("emits one line per newline, without it or a carriage return", () => {
    const { lines, writer } = collect();
    writer.write(utf8("one\ntwo\r\n\nthree"));
    expect(lines).toEqual(["one", "two", ""]);
    writer.flush();
    expect(lines).toEqual(["one", "two", "", "three"]);
    writer.flush();
    expect(lines).toHaveLength(4);
  });

  test("joins a line written in pieces, including a character split between writes", () => {
    const { lines, writer } = collect();
    const bytes = utf8("grüße 🚀\n");
    for (const byte of bytes) writer.write(Uint8Array.of(byte));
    expect(lines).toEqual(["grüße 🚀"]);
  });

  test("splits a line longer than the limit, marking the pieces before the last partial", () => {
    const pieces: [number, boolean][] = [];
    const writer = new LineWriter((line, partial) => pieces.push([line.length, partial]));
    writer.write(utf8(`${"a".repeat(MAX_LINE_BYTES + 10)}\n`));
    expect(pieces).toEqual([
      [MAX_LINE_BYTES, true],
      [10, false],
    ]);
  });

  test("keeps its own copy of pending bytes", () => {
    const { lines, writer } = collect();
    const buffer = utf8("abc");
    writer.write(buffer);
    buffer.fill(0x7a);
    writer.flush();
    expect(lines).toEqual(["abc"]);
  });
});
