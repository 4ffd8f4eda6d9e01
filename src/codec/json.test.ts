import { describe, expect, test } from "bun:test";
import {
  type DescMessage,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { adderMetadata } from "../../examples/adder/metadata.ts";
import {
  compileDecoder,
  compileEncoder,
  compileJsonCodec,
  DecodeError,
  EncodeError,
  JsonDecodeError,
} from "./index.ts";
import {
  canonical,
  fieldOf,
  loadRegistry,
  messageArbitrary,
  toComponent,
} from "./testdata/bufbuild.ts";
import { fc } from "./testdata/fast-check.ts";
import { bare, compound, message, scalar } from "./testdata/fields.ts";

const f32 = Math.fround;

/** The thrown error's message, checked to be a JsonDecodeError (a DecodeError). */
function decodeFailure(run: () => unknown): string {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(JsonDecodeError);
  expect(thrown).toBeInstanceOf(DecodeError);
  return (thrown as Error).message;
}

describe("AddFloats", () => {
  const method = adderMetadata.services[0]?.methods.get("AddFloats");
  if (!method?.request || !method.response) throw new Error("the adder example has no AddFloats");
  const request = compileJsonCodec(method.request);
  const response = compileJsonCodec(method.response);

  test("a JSON request reads as the record the binary decoder gives", () => {
    expect(request.fromJson({ x: 3.5, y: -1.2 })).toEqual({ x: f32(3.5), y: f32(-1.2) });
    expect(request.fromJson({})).toEqual({ x: 0, y: 0 });
    expect(request.fromJson({ x: "1.5", y: null })).toEqual({ x: 1.5, y: 0 });
  });

  test("a float32 result is written with the fewest digits that read back as it", () => {
    expect(response.toJson({ result: f32(2.3) })).toEqual({ result: 2.3 });
    expect(JSON.stringify(response.toJson({ result: f32(0.1) + 0 }))).toBe('{"result":0.1}');
    expect(response.toJson({ result: 0 })).toEqual({});
    expect(response.toJson({ result: Number.NaN })).toEqual({ result: "NaN" });
    expect(response.toJson({ result: -Infinity })).toEqual({ result: "-Infinity" });
  });
});

describe("mapping rules", () => {
  const color = compound(3, "shade", "ENUM_IMPLICIT", [bare(0, "red"), bare(1, "light-blue")]);
  const inner = compound(5, "inner", "MESSAGE", [
    scalar(1, "label", "STRING_UTF8_IMPLICIT"),
    scalar(2, "values", "DOUBLE_PACKED"),
  ]);
  const codec = compileJsonCodec(
    message(
      scalar(1, "big-number", "INT64_IMPLICIT"),
      scalar(2, "raw", "BYTES_IMPLICIT"),
      color,
      scalar(4, "maybe", "UINT32_EXPLICIT"),
      inner,
      compound(0, "choice", "ONEOF", [
        scalar(6, "text", "STRING_UTF8_EXPLICIT"),
        compound(7, "pick", "ENUM_EXPLICIT", [bare(0, "red"), bare(1, "light-blue")]),
      ]),
      compound(8, "counts", "MAP", [
        scalar(1, "key", "SINT64_IMPLICIT"),
        scalar(2, "value", "INT32_IMPLICIT"),
      ]),
      scalar(9, "flags", "BOOL_EXPANDED"),
    ),
  );
  const defaults = {
    bigNumber: 0n,
    raw: new Uint8Array(0),
    shade: "red",
    maybe: undefined,
    inner: undefined,
    choice: undefined,
    counts: [],
    flags: [],
  };

  test("names are lowerCamelCase; proto names are accepted too", () => {
    expect(codec.fromJson({ bigNumber: "7", big_number: null })).toEqual({
      ...defaults,
      bigNumber: 7n,
    });
    expect(codec.fromJson({ big_number: 7 })).toEqual({ ...defaults, bigNumber: 7n });
    expect(decodeFailure(() => codec.fromJson({ bigNumber: 1, big_number: 2 }))).toBe(
      "Malformed request (.bigNumber): the field appears twice (by its JSON name and its proto name)",
    );
    expect(decodeFailure(() => codec.fromJson({ nope: 1 }))).toBe(
      'Malformed request (): unknown field "nope"',
    );
    expect(decodeFailure(() => codec.fromJson([1]))).toBe(
      "Malformed request (): expected a JSON object, got an array of 1",
    );
  });

  test("int64 is a string out, a string or a number in, and range-checked", () => {
    const value = { ...defaults, bigNumber: -(2n ** 63n) };
    expect(codec.toJson(value)).toEqual({ bigNumber: "-9223372036854775808" });
    expect(codec.fromJson({ bigNumber: "-9223372036854775808" })).toEqual(value);
    expect(codec.fromJson({ bigNumber: "1e3" })).toEqual({ ...defaults, bigNumber: 1000n });
    expect(decodeFailure(() => codec.fromJson({ bigNumber: "9223372036854775808" }))).toBe(
      "Malformed request (.bigNumber): 9223372036854775808 is out of range -9223372036854775808 to 9223372036854775807",
    );
    expect(decodeFailure(() => codec.fromJson({ bigNumber: 1.5 }))).toBe(
      "Malformed request (.bigNumber): expected an integer, got number 1.5",
    );
  });

  test("bytes are base64 out, standard or URL-safe base64 in", () => {
    const raw = Uint8Array.from([0xfb, 0xff, 0x01]);
    expect(codec.toJson({ ...defaults, raw })).toEqual({ raw: "+/8B" });
    expect(codec.fromJson({ raw: "-_8B" })).toEqual({ ...defaults, raw });
    expect(codec.fromJson({ raw: "+/8" })).toEqual({ ...defaults, raw: raw.subarray(0, 2) });
    expect(decodeFailure(() => codec.fromJson({ raw: "not base64!" }))).toBe(
      'Malformed request (.raw): expected base64 bytes, got string "not base64!"',
    );
  });

  test("enums are proto value names out; names, case names or numbers in", () => {
    expect(codec.toJson({ ...defaults, shade: "light-blue" })).toEqual({ shade: "LIGHT_BLUE" });
    for (const shade of ["LIGHT_BLUE", "light-blue", 1]) {
      expect(codec.fromJson({ shade })).toEqual({ ...defaults, shade: "light-blue" });
    }
    // An unknown number is the case numbered 0, as in binary.
    expect(codec.fromJson({ shade: 9 })).toEqual(defaults);
    expect(decodeFailure(() => codec.fromJson({ shade: "PURPLE" }))).toBe(
      'Malformed request (.shade): unknown enum value "PURPLE"',
    );
  });

  test("defaults are left out, explicit values are written even when zero", () => {
    expect(codec.toJson(defaults)).toEqual({});
    expect(codec.toJson({ ...defaults, maybe: 0 })).toEqual({ maybe: 0 });
    expect(codec.fromJson({ maybe: 0 })).toEqual({ ...defaults, maybe: 0 });
  });

  test("messages nest; errors name the path", () => {
    const value = { ...defaults, inner: { label: "a", values: Float64Array.from([1, 2.5]) } };
    expect(codec.toJson(value)).toEqual({ inner: { label: "a", values: [1, 2.5] } });
    expect(codec.fromJson({ inner: { label: "a", values: [1, "2.5"] } })).toEqual(value);
    expect(decodeFailure(() => codec.fromJson({ inner: { values: [1, 2, "x"] } }))).toBe(
      'Malformed request (.inner.values[2]): expected a number, got string "x"',
    );
    expect(decodeFailure(() => codec.fromJson({ inner: { values: [null] } }))).toBe(
      "Malformed request (.inner.values[0]): null is not allowed in a list",
    );
  });

  test("a oneof is its chosen variant's field; two variants are an error", () => {
    const text = { ...defaults, choice: { tag: "text", val: "" } };
    expect(codec.toJson(text)).toEqual({ text: "" });
    expect(codec.fromJson({ text: "" })).toEqual(text);
    const pick = { ...defaults, choice: { tag: "pick", val: "red" } };
    expect(codec.toJson(pick)).toEqual({ pick: "RED" });
    expect(codec.fromJson({ pick: 0 })).toEqual(pick);
    expect(decodeFailure(() => codec.fromJson({ text: "a", pick: "RED" }))).toBe(
      'Malformed request (.pick): more than one variant of oneof "choice"',
    );
  });

  test("maps are objects with string keys; lists are arrays", () => {
    // JavaScript objects put integer keys first.
    const value = {
      ...defaults,
      counts: [
        [5n, 0],
        [-3n, 1],
      ],
      flags: [true, false],
    };
    expect(codec.toJson(value)).toEqual({ counts: { "-3": 1, "5": 0 }, flags: [true, false] });
    expect(codec.fromJson({ counts: { "-3": 1, "5": 0 }, flags: [true, false] })).toEqual(value);
    // Two spellings of one key: the last value, at the first one's place.
    expect(codec.fromJson({ counts: { "5": 1, "-3": 2, "05": 3 } }).counts).toEqual([
      [5n, 3],
      [-3n, 2],
    ]);
    expect(decodeFailure(() => codec.fromJson({ counts: { x: 1 } }))).toBe(
      'Malformed request (.counts["x"]): expected an integer, got string "x"',
    );
  });

  test("a component value of the wrong shape is an EncodeError naming the field", () => {
    expect(() => codec.toJson({ ...defaults, bigNumber: "7" })).toThrow(EncodeError);
    expect(() => codec.toJson({ ...defaults, shade: "purple" })).toThrow(
      'Invalid response (.shade): unrecognized enum case string "purple"',
    );
  });
});

// Differential: @bufbuild/protobuf's JSON for random messages of every field kind.
const registry = loadRegistry();

/** Fields the codec is not told about (see bufbuild.ts) are not in its JSON mapping either. */
function withoutUnknown(json: JsonValue): JsonValue {
  return Object.fromEntries(
    Object.entries(json as Record<string, JsonValue>).filter(
      ([key]) => !key.toLowerCase().startsWith("unknown"),
    ),
  );
}

function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNegativeZero(v)]));
  }
  return value;
}

describe.each([
  "vimana.codec.test3.Scalars",
  "vimana.codec.test3.Compound",
  "vimana.codec.test2.Legacy",
])("%s against @bufbuild/protobuf", (typeName) => {
  const desc = registry.getMessage(typeName) as DescMessage;
  const codec = compileJsonCodec(fieldOf(desc));
  const decode = compileDecoder(fieldOf(desc));
  const encode = compileEncoder(fieldOf(desc));
  const messages = messageArbitrary(desc);
  /**
   * What `value` is once it has been through protobuf binary (floats become float32s) and JSON
   * text (which has no -0).
   */
  const throughBinary = (value: Parameters<typeof encode>[0]) =>
    withoutNegativeZero(canonical(decode(encode(value))));

  test("JSON @bufbuild writes reads as the values it holds", () => {
    fc.assert(
      fc.property(messages, fc.boolean(), (msg, useProtoFieldName) => {
        const json = withoutUnknown(toJson(desc, msg as never, { useProtoFieldName }));
        const wire = JSON.parse(JSON.stringify(json));
        const expected = toComponent(desc, fromBinary(desc, toBinary(desc, msg as never)));
        expect(throughBinary(codec.fromJson(wire))).toEqual(throughBinary(expected));
      }),
      { numRuns: 500 },
    );
  });

  test("JSON we write reads in @bufbuild as the values we wrote", () => {
    fc.assert(
      fc.property(messages, (msg) => {
        const value = toComponent(desc, msg);
        const wire = JSON.parse(JSON.stringify(codec.toJson(value)));
        const theirs = fromJson(desc, wire);
        expect(withoutNegativeZero(canonical(decode(toBinary(desc, theirs))))).toEqual(
          throughBinary(value),
        );
      }),
      { numRuns: 500 },
    );
  });

  test("what we write reads back in our own parser", () => {
    fc.assert(
      fc.property(messages, (msg) => {
        const value = toComponent(desc, msg);
        const wire = JSON.parse(JSON.stringify(codec.toJson(value)));
        expect(throughBinary(codec.fromJson(wire))).toEqual(throughBinary(value));
      }),
      { numRuns: 500 },
    );
  });
});

test("an empty message maps to {}", () => {
  const codec = compileJsonCodec(message());
  expect(codec.toJson({})).toEqual({});
  expect(codec.fromJson({})).toEqual({});
});
