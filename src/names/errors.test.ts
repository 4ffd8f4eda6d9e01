import { expect, test } from "bun:test";
import { debugQuote } from "./errors.ts";

test.each([
  ["plain", '"plain"'],
  ["", '""'],
  ["with space", '"with space"'],
  ['quote"back\\slash', '"quote\\"back\\\\slash"'],
  ["it's", '"it\'s"'],
  ["tab\tcr\rlf\nnul\0", '"tab\\tcr\\rlf\\nnul\\0"'],
  ["bell\u0007del\u007f", '"bell\\u{7}del\\u{7f}"'],
  ["nbsp\u00a0zwsp\u200b", '"nbsp\\u{a0}zwsp\\u{200b}"'],
  ["e\u0301", '"e\\u{301}"'],
  ["émoji 🙂 \ufffd", '"émoji 🙂 \ufffd"'],
])("debugQuote(%p) escapes like Rust's Debug", (text, quoted) => {
  expect(debugQuote(text)).toBe(quoted);
});
