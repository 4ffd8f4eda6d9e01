import { expect, test } from "bun:test";
import { hexifyBytes, hexifyString, unhexifyBytes, unhexifyString } from "./hex.ts";

const nameError = (message: string) => expect.objectContaining({ name: "NameError", message });

const LONG_TEXT = "this long string is more than sixteen characters 🙂";
const LONG_HEX =
  "4786963702c6f6e6760237472796e67602963702d6f6275602478616e602379687475656e60236861627163647562737020ff99928";

test.each([
  ["", ""],
  ["hello", "8656c6c6f6"],
  [LONG_TEXT, LONG_HEX],
])("hexifyString(%p) and back", (text, hex) => {
  expect(hexifyString(text)).toBe(hex);
  expect(unhexifyString(hex)).toBe(text);
});

test("bytes are written low nibble first", () => {
  const bytes = Uint8Array.of(0x00, 0x0f, 0xf0, 0x12, 0xab, 0xff);
  expect(hexifyBytes(bytes)).toBe("00f00f21baff");
  expect(unhexifyBytes("00f00f21baff")).toEqual(bytes);
});

test.each([
  ["4786963", "Odd-length hex string"],
  ["nonhex", 'Invalid hex character: "n"'],
  ["0n", 'Invalid hex character: "n"'],
  // Upper case is not hex here.
  ["A0", 'Invalid hex character: "A"'],
  // The tail is checked byte by byte; a lone byte of a multi-byte character is not UTF-8.
  ["éé", 'Invalid hex character: "\ufffd"'],
  // A full 32-character chunk is reported whole.
  [
    "nonhexnonhexnonhexnonhexnonhexnonhexnonhexnonhex",
    'Invalid hex characters: "nonhexnonhexnonhexnonhexnonhexno"',
  ],
  [
    `${"0".repeat(32)}${"0".repeat(31)}g`,
    'Invalid hex characters: "0000000000000000000000000000000g"',
  ],
  // Chunks are checked before the tail.
  [`${"0".repeat(31)}Gxy`, 'Invalid hex characters: "0000000000000000000000000000000G"'],
  ["c328", "Hex string represents invalid UTF-8"],
])("unhexifyString(%p) fails: %s", (hex, message) => {
  expect(() => unhexifyString(hex)).toThrow(nameError(message));
});

test("unhexifyBytes accepts bytes that are not UTF-8", () => {
  expect(unhexifyBytes("c328")).toEqual(Uint8Array.of(0x3c, 0x82));
});
