import { describe, expect, test } from "bun:test";
import { kebab, witPackageName } from "./index.ts";
import { witIdentifier } from "./names.ts";

describe("kebab: words split as the original's heck split them", () => {
  test.each([
    ["AddFloats", "add-floats"],
    ["DoAThing", "do-a-thing"],
    ["AContainer", "a-container"],
    ["HTTPServer", "http-server"],
    ["HTTP2Server", "http2-server"],
    ["int32_value", "int32-value"],
    ["utf8String", "utf8-string"],
    ["string_utf8_explicit", "string-utf8-explicit"],
    ["MYSELF", "myself"],
    ["LIGHT_BLUE", "light-blue"],
    ["__leading__and__trailing__", "leading-and-trailing"],
    ["x", "x"],
  ])("%s → %s", (identifier, label) => {
    expect(kebab(identifier)).toBe(label);
  });

  test("a word starting with a digit joins the word before it: WIT words start with a letter", () => {
    expect(kebab("field_2x")).toBe("field2x");
    expect(kebab("HTTP_2")).toBe("http2");
    expect(kebab("v1_2_3")).toBe("v123");
  });

  test("no label for names without words or starting with a digit", () => {
    expect(kebab("_")).toBeUndefined();
    expect(kebab("_2d")).toBeUndefined();
  });
});

describe("witPackageName", () => {
  test.each([
    ["foo.bar", "foo:bar"],
    ["foo.bar_baz.quux", "foo:bar-baz-quux"],
    ["google.protobuf", "google:protobuf"],
    ["acme.billing.v1", "acme:billing-v1"],
    ["helloworld", "proto:helloworld"],
  ])("%s → %s", (protoPackage, name) => {
    expect(witPackageName(protoPackage)).toBe(name);
  });

  test("undefined when a part has no label", () => {
    expect(witPackageName("foo._")).toBeUndefined();
  });
});

test("witIdentifier escapes keywords, including ones jco added (map)", () => {
  expect(["result", "type", "map", "list", "string", "add-floats"].map(witIdentifier)).toEqual([
    "%result",
    "%type",
    "%map",
    "%list",
    "%string",
    "add-floats",
  ]);
});
