/** Error for an invalid name; `message` is exactly the original runtime's message. */
export class NameError extends Error {
  override readonly name = "NameError";
}

// Rust's `{:?}` also escapes every character it does not consider printable: categories C and Z
// (except the plain space) and grapheme extenders.
const NON_PRINTABLE = /^[\p{C}\p{Z}\p{Grapheme_Extend}]$/u;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  "\0": "\\0",
  "\t": "\\t",
  "\r": "\\r",
  "\n": "\\n",
  '"': '\\"',
  "\\": "\\\\",
};

/** Quotes `text` the way Rust's `Debug` for `str` does, so error messages match the original. */
export function debugQuote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const short = SHORT_ESCAPES[char];
    if (short !== undefined) {
      quoted += short;
    } else if (char !== " " && NON_PRINTABLE.test(char)) {
      quoted += `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`;
    } else {
      quoted += char;
    }
  }
  return `${quoted}"`;
}
