// Proto identifiers → WIT names. Words split the way the original's `heck` kebab-casing split
// them (ref §8), so `DoAThing` → `do-a-thing`, `HTTPServer` → `http-server`, `int32_value` →
// `int32-value`; then made valid WIT labels, whose words cannot start with a digit.

/**
 * Words of an identifier: split at `_` (and any non-alphanumeric), before an upper-case letter
 * that follows a lower-case one (digits continue the word they follow), and before the last
 * capital of a run that a lower-case letter follows (`HTTPServer` → `HTTP`, `Server`).
 */
function words(identifier: string): string[] {
  const found: string[] = [];
  for (const part of identifier.split(/[^0-9A-Za-z]+/)) {
    let start = 0;
    let mode: Mode = "none";
    for (let i = 0; i < part.length; i++) {
      const c = part.charAt(i);
      const next = part.charAt(i + 1);
      const current: Mode = isLower(c) ? "lower" : isUpper(c) ? "upper" : mode;
      if (current === "lower" && isUpper(next)) {
        found.push(part.slice(start, i + 1));
        start = i + 1;
        mode = "none";
      } else if (mode === "upper" && isUpper(c) && isLower(next)) {
        found.push(part.slice(start, i));
        start = i;
        mode = "none";
      } else {
        mode = current;
      }
    }
    if (start < part.length) found.push(part.slice(start));
  }
  return found;
}

type Mode = "none" | "lower" | "upper";
const isLower = (c: string) => c >= "a" && c <= "z";
const isUpper = (c: string) => c >= "A" && c <= "Z";

/**
 * The WIT label for a proto identifier: lower-case words joined by `-`. A word that starts with
 * a digit joins the word before it (`field_2x` → `field2x`), because WIT words must start with a
 * letter. Undefined when no valid label exists (no words, or a leading digit).
 */
export function kebab(identifier: string): string | undefined {
  const joined: string[] = [];
  for (const word of words(identifier).map((w) => w.toLowerCase())) {
    const last = joined.length - 1;
    if (/^[0-9]/.test(word) && last >= 0) joined[last] += word;
    else joined.push(word);
  }
  if (joined.length === 0 || /^[0-9]/.test(joined[0] ?? "")) return undefined;
  return joined.join("-");
}

/**
 * Words the WIT parsers of our toolchains treat as keywords, and a few they may soon (`map`
 * already is in jco 1.35). `%` makes any label an identifier, so escaping too many is harmless.
 */
const keywords: ReadonlySet<string> = new Set([
  "as",
  "async",
  "bool",
  "borrow",
  "char",
  "constructor",
  "enum",
  "error-context",
  "export",
  "f32",
  "f64",
  "flags",
  "float32",
  "float64",
  "from",
  "func",
  "future",
  "import",
  "include",
  "interface",
  "list",
  "map",
  "option",
  "own",
  "package",
  "record",
  "resource",
  "result",
  "s16",
  "s32",
  "s64",
  "s8",
  "static",
  "stream",
  "string",
  "tuple",
  "type",
  "u16",
  "u32",
  "u64",
  "u8",
  "use",
  "variant",
  "with",
  "world",
]);

/** A label as written in WIT source: `%`-escaped when it is a keyword. */
export function witIdentifier(label: string): string {
  return keywords.has(label) ? `%${label}` : label;
}

/**
 * The WIT package a proto package's types live in: the first part is the namespace, the rest
 * joined is the name (`foo.bar_baz.quux` → `foo:bar-baz-quux`); a one-part package `acme` is
 * `proto:acme`. The original's `foo:bar-baz:quux:proto` needs WIT's gated nested namespaces,
 * which our toolchains reject. Undefined when a part has no valid label.
 */
export function witPackageName(protoPackage: string): string | undefined {
  const parts = protoPackage.split(".").map(kebab);
  if (parts.length === 0 || parts.some((part) => part === undefined)) return undefined;
  const [first, ...rest] = parts as string[];
  return rest.length === 0 ? `proto:${first}` : `${first}:${rest.join("-")}`;
}
