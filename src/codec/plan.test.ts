// Field trees the codec refuses to build from, with the original's wording where it had one.
import { describe, expect, test } from "bun:test";
import type { Field } from "../metadata/index.ts";
import { CodecBuildError, compileDecoder, compileEncoder, compileMethodCodec } from "./index.ts";
import { recordKey } from "./names.ts";
import { bare, compound, message, scalar } from "./testdata/fields.ts";

const float = (number: number, name = "f") => scalar(number, name, "FLOAT_IMPLICIT");

describe("build errors", () => {
  const cases: [string, Field, string][] = [
    ["missing coding", message(bare(1, "x")), " at .1: Field #1 missing required coding"],
    [
      "reserved scalar coding",
      message({ number: 1, name: "x", subfields: [], coding: { scalar: 5 } }),
      " at .1: Invalid ScalarCoding 5 for field #1",
    ],
    [
      "unknown compound coding",
      message({ number: 1, name: "x", subfields: [], coding: { compound: 99 } }),
      " at .1: Invalid CompoundCoding 99 for field #1",
    ],
    [
      "implicit oneof variant",
      message(compound(0, "o", "ONEOF", [float(3)])),
      " at .3: Oneof variants must use explicit coding",
    ],
    [
      "repeated oneof variant",
      message(compound(0, "o", "ONEOF", [compound(3, "m", "MESSAGE_EXPANDED", [])])),
      " at .3: Oneof variants must use explicit coding",
    ],
    [
      "oneof inside a oneof",
      message(compound(0, "o", "ONEOF", [compound(3, "p", "ONEOF", [])])),
      " at .3: Field #3 cannot be a oneof here",
    ],
    [
      "oneof without variants",
      message(compound(0, "o", "ONEOF", [])),
      ': Oneof "o" has no variants',
    ],
    [
      "implicit enum without a zero case",
      message(compound(2, "e", "ENUM_IMPLICIT", [bare(1, "one")])),
      " at .2: Implicit enum at field #2 must have a default value",
    ],
    [
      "enum without cases",
      message(compound(2, "e", "ENUM_PACKED", [])),
      " at .2: Enum at field #2 has no cases",
    ],
    [
      "duplicate enum case",
      message(compound(2, "e", "ENUM_EXPLICIT", [bare(1, "a"), bare(2, "a")])),
      ' at .2: Duplicate enum case "a"',
    ],
    ["duplicate field number", message(float(1, "a"), float(1, "b")), ": Duplicate field number 1"],
    [
      "duplicate field number in a oneof",
      message(float(1, "a"), compound(0, "o", "ONEOF", [scalar(1, "b", "FLOAT_EXPLICIT")])),
      ": Duplicate field number 1",
    ],
    [
      "duplicate record key",
      message(float(1, "a-b"), float(2, "a-B")),
      ': Duplicate record field "a-B" (key aB)',
    ],
    [
      "snake_case name",
      message(float(1, "x_y")),
      ' at .1: Invalid name "x_y" for field #1: not a WIT label (kebab-case)',
    ],
    ["mixed-case name", message(float(1, "Foo")), ' at .1: Invalid name "Foo" for field #1'],
    [
      "field number 0",
      message(float(0)),
      ' at .0: Invalid field number 0 for "f": must be 1 to 536870911',
    ],
    [
      "field number 2^29",
      message(float(2 ** 29)),
      " at .536870912: Invalid field number 536870912",
    ],
    [
      "map without a value",
      message(compound(4, "m", "MAP", [scalar(1, "k", "STRING_UTF8_IMPLICIT")])),
      " at .4: Map at field #4 must have exactly a key subfield #1 and a value subfield #2",
    ],
    [
      "float map key",
      message(compound(4, "m", "MAP", [float(1), float(2)])),
      " at .4.1: Map key at field #4 must be an implicit integer, bool or string",
    ],
    [
      "bytes map key",
      message(compound(4, "m", "MAP", [scalar(1, "k", "BYTES_IMPLICIT"), float(2)])),
      " at .4.1: Map key at field #4 must be",
    ],
    [
      "repeated map value",
      message(
        compound(4, "m", "MAP", [scalar(1, "k", "BOOL_IMPLICIT"), scalar(2, "v", "INT32_PACKED")]),
      ),
      " at .4.2: Map value at field #4 must be an implicit scalar, ENUM_IMPLICIT or MESSAGE",
    ],
    [
      "map of maps",
      message(
        compound(4, "m", "MAP", [
          scalar(1, "k", "BOOL_IMPLICIT"),
          compound(2, "v", "MAP", [scalar(1, "k", "BOOL_IMPLICIT"), float(2)]),
        ]),
      ),
      " at .4.2: Map value at field #4 must be",
    ],
    [
      "error inside a nested message",
      message(compound(2, "m", "MESSAGE", [compound(7, "n", "MESSAGE_EXPANDED", [bare(3, "x")])])),
      " at .2.7.3: Field #3 missing required coding",
    ],
  ];
  test.each(cases)("%s", (_, schema, error) => {
    for (const compile of [compileDecoder, compileEncoder]) {
      let thrown: unknown;
      try {
        compile(schema);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(CodecBuildError);
      expect((thrown as Error).message).toContain(`Invalid message schema${error}`);
    }
  });

  test("a method needs both messages", () => {
    const request = message(float(1));
    expect(() => compileMethodCodec({ function: "f", arity: 0, request })).toThrow(
      "Invalid message schema: Metadata missing response",
    );
    expect(() => compileMethodCodec({ function: "f", arity: 0, response: request })).toThrow(
      "Metadata missing request",
    );
    const codec = compileMethodCodec({ function: "f", arity: 0, request, response: request });
    expect(codec.decodeRequest(codec.encodeResponse({ f: 1 }))).toEqual({ f: 1 });
  });

  test("names cannot inject code into the generated functions", () => {
    const hostile = message(
      compound(1, "e", "ENUM_IMPLICIT", [bare(0, 'a"); globalThis.pwned = 1; ("')]),
    );
    expect(() => compileDecoder(hostile)).toThrow(CodecBuildError);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });
});

test("record keys are jco's camelCase of the WIT name", () => {
  expect(
    ["add-floats", "all-CAPS-word", "HTTP-two", "field2x", "a", "x-y-z"].map(recordKey),
  ).toEqual(["addFloats", "allCapsWord", "httpTwo", "field2x", "a", "xYZ"]);
});
