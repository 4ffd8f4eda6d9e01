import { expect, test } from "bun:test";
import { parseName, type RawName } from "./grammar.ts";

test.each<[string, RawName]>([
  ["server", { server: "server" }],
  ["", { server: "" }],
  ["d:s", { domain: "d", server: "s" }],
  ["s@v", { server: "s", version: "v" }],
  ["d:s@v", { domain: "d", server: "s", version: "v" }],
  ["d:s@v#p", { domain: "d", server: "s", version: "v", pod: "p" }],
  ["s@v#p", { server: "s", version: "v", pod: "p" }],
  // `@` before any `:` means there is no domain; the `:` belongs to the version.
  ["s@d:v", { server: "s", version: "d:v" }],
  // Only the first `:` splits off the domain.
  ["d:s:t@v", { domain: "d", server: "s:t", version: "v" }],
  // Only the first `@` after the domain ends the server.
  ["d:s@v@w", { domain: "d", server: "s", version: "v@w" }],
  // `#` is only looked for after `@`.
  ["s#p", { server: "s#p" }],
  ["d:s#p", { domain: "d", server: "s#p" }],
  ["d:s#p@v", { domain: "d", server: "s#p", version: "v" }],
  // Only the first `#` splits off the pod.
  ["d:s@v#p#q", { domain: "d", server: "s", version: "v", pod: "p#q" }],
  // Separators with nothing around them still mark the part present.
  [":@#", { domain: "", server: "", version: "", pod: "" }],
])("parseName(%p)", (full, expected) => {
  expect(parseName(full)).toEqual(expected);
});
