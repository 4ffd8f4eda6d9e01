import { describe, expect, test } from "bun:test";
import {
  CompoundCoding,
  type CompoundCodingName,
  decodeMetadata,
  encodeMetadata,
  type Field,
  GrpcArity,
  MAX_FIELD_NESTING,
  type Metadata,
  MetadataError,
  ScalarCoding,
  type ScalarCodingName,
  scalarCodingParts,
} from "./index.ts";
import { protocDecode, protocEncode } from "./testdata/protoc.ts";

const scalar = (number: number, name: string, coding: ScalarCodingName): Field => ({
  number,
  name,
  subfields: [],
  coding: { scalar: ScalarCoding[coding] },
});
const compound = (
  number: number,
  name: string,
  coding: CompoundCodingName,
  subfields: Field[],
): Field => ({ number, name, subfields, coding: { compound: CompoundCoding[coding] } });
const enumCase = (number: number, name: string): Field => ({ number, name, subfields: [] });
const message = (subfields: Field[]): Field => ({ number: 0, name: "", subfields });

/** Every coding, nested messages, enum cases (one negative), a map and an unknown coding. */
const everything: Metadata = {
  services: [
    {
      name: "foo.bar.Everything",
      methods: new Map([
        [
          "Scalars",
          {
            function: "scalars",
            arity: GrpcArity.UNARY,
            request: message(
              (Object.keys(ScalarCoding) as ScalarCodingName[]).map((name, i) =>
                scalar(i + 1, name.toLowerCase().replaceAll("_", "-"), name),
              ),
            ),
            response: message([]),
          },
        ],
        [
          "Compounds",
          {
            function: "compounds",
            arity: GrpcArity.BIDI_STREAMING,
            request: message([
              compound(1, "color", "ENUM_IMPLICIT", [
                enumCase(0, "red"),
                enumCase(4294967295, "minus-one"),
              ]),
              compound(2, "colors", "ENUM_PACKED", [enumCase(0, "red")]),
              compound(3, "maybe-color", "ENUM_EXPLICIT", [enumCase(0, "red")]),
              compound(4, "more-colors", "ENUM_EXPANDED", [enumCase(0, "red")]),
              compound(5, "inner", "MESSAGE", [
                compound(1, "deeper", "MESSAGE_EXPANDED", [
                  scalar(536870911, "x", "FLOAT_IMPLICIT"),
                ]),
              ]),
              compound(0, "choice", "ONEOF", [
                scalar(6, "text", "STRING_UTF8_EXPLICIT"),
                compound(7, "nested", "MESSAGE", []),
              ]),
              compound(8, "labels", "MAP", [
                scalar(1, "key", "STRING_UTF8_IMPLICIT"),
                scalar(2, "value", "SINT64_IMPLICIT"),
              ]),
              { number: 9, name: "from-the-future", subfields: [], coding: { compound: 99 } },
            ]),
          },
        ],
      ]),
    },
    { name: "foo.bar.Empty", methods: new Map() },
  ],
};

describe("binary form", () => {
  test("round-trips through our encoder and decoder", () => {
    expect(decodeMetadata(encodeMetadata(everything))).toEqual(everything);
  });

  test("protoc reads what we write, and we read what protoc writes", () => {
    const text = protocDecode(encodeMetadata(everything));
    expect(text).toContain("scalar_coding: DOUBLE_EXPANDED");
    expect(text).toContain("compound_coding: MAP");
    expect(text).toContain("number: 4294967295");
    expect(decodeMetadata(protocEncode(text))).toEqual(everything);
  });

  test("field numbers and enum values are the original's", () => {
    const bytes = protocEncode(`service {
      name: "s"
      methods { key: "M" value { function: "m" arity: CLIENT_STREAMING
        request { subfields { number: 1 name: "x" scalar_coding: FLOAT_IMPLICIT } }
        response { subfields { number: 2 name: "o" compound_coding: ONEOF } } } }
    }`);
    expect(decodeMetadata(bytes)).toEqual({
      services: [
        {
          name: "s",
          methods: new Map([
            [
              "M",
              {
                function: "m",
                arity: GrpcArity.CLIENT_STREAMING,
                request: message([scalar(1, "x", "FLOAT_IMPLICIT")]),
                response: message([compound(2, "o", "ONEOF", [])]),
              },
            ],
          ]),
        },
      ],
    });
    expect(ScalarCoding.FLOAT_IMPLICIT).toBe(56);
    expect(ScalarCoding.INT64_PACKED).toBe(37);
    expect(ScalarCoding.STRING_UTF8_EXPANDED).toBe(7);
    expect(scalarCodingParts(56)).toEqual({ type: "FLOAT", kind: "IMPLICIT" });
    expect([1, 5, 9, 64, -1, 2 ** 32 + 56].map(scalarCodingParts)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  test("a repeated method name keeps the last entry; repeated messages merge", () => {
    const bytes = protocEncode(`service {
      methods { key: "M" value { function: "first" } }
      methods { key: "N" value { function: "n" } }
      methods { key: "M" value { function: "last" } }
    }`);
    const methods = decodeMetadata(bytes).services[0]?.methods;
    expect([...(methods?.entries() ?? [])]).toEqual([
      ["M", { function: "last", arity: 0 }],
      ["N", { function: "n", arity: 0 }],
    ]);

    // Two GrpcMethod messages back to back are one message with both: the two `request`s merge.
    const first = protocEncode(
      `request { name: "first" subfields { number: 1 name: "x" scalar_coding: FLOAT_IMPLICIT } }`,
      "GrpcMethod",
    );
    const second = protocEncode(
      `request { name: "last" subfields { number: 2 name: "y" scalar_coding: FLOAT_IMPLICIT } }`,
      "GrpcMethod",
    );
    const merged = decodeMetadata(wrapMethod(Uint8Array.from([...first, ...second])));
    expect(merged.services[0]?.methods.get("M")?.request).toEqual({
      number: 0,
      name: "last",
      subfields: [scalar(1, "x", "FLOAT_IMPLICIT"), scalar(2, "y", "FLOAT_IMPLICIT")],
    });
  });

  test("unknown fields, groups included, are skipped", () => {
    const unknown = [
      0xf8,
      0x01,
      0x96,
      0x01, // field 31 varint
      0xfb,
      0x01,
      0x08,
      0x01,
      0x83,
      0x02,
      0x84,
      0x02,
      0xfc,
      0x01, // group 31 { 1: 1, group 32 {} }
      0xfd,
      0x01,
      1,
      2,
      3,
      4, // field 31 fixed32
      0xf9,
      0x01,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // field 31 fixed64
      0xfa,
      0x01,
      2,
      0xff,
      0xff, // field 31 length-delimited
    ];
    const bytes = encodeMetadata(everything);
    expect(decodeMetadata(Uint8Array.from([...unknown, ...bytes, ...unknown]))).toEqual(everything);
  });
});

/** Metadata with one service holding method `M` whose GrpcMethod bytes are `method`. */
function wrapMethod(method: Uint8Array): Uint8Array {
  const entry = [0x0a, 1, 0x4d, 0x12, ...varint(method.length), ...method];
  const service = [0x12, ...varint(entry.length), ...entry];
  return Uint8Array.from([0x0a, ...varint(service.length), ...service]);
}

describe("malformed metadata is rejected with the field's path", () => {
  const cases: [string, number[], string][] = [
    [
      "truncated service",
      [0x0a, 5, 0x0a, 1],
      "Malformed metadata at service[0]: Length 5 exceeds the 2 bytes left",
    ],
    [
      "truncated varint",
      [0x0a, 3, 0x12, 1, 0x80],
      "Malformed metadata at service[0].methods[0]: Truncated varint",
    ],
    ["invalid wire type", [0x0f], "Malformed metadata: Invalid wire type 7"],
    ["field number 0", [0x02, 0], "Malformed metadata: Invalid field number 0"],
    [
      "overlong varint",
      [0x10, ...new Array(10).fill(0xff), 0],
      "Malformed metadata: Varint longer than 10 bytes",
    ],
    [
      "service as varint",
      [0x08, 1],
      "Malformed metadata at service[0]: Wire type should be length-delimited, got varint",
    ],
    [
      "invalid UTF-8 in a name",
      [0x0a, 3, 0x0a, 1, 0xc3],
      "Malformed metadata at service[0].name: Invalid UTF-8",
    ],
    ["unmatched end group", [0x7c], "Malformed metadata: Unexpected end-group tag"],
    ["unterminated group", [0x7b, 0x08, 1], "Malformed metadata: Group without an end-group tag"],
    [
      "mismatched end group",
      [0x7b, 0x14],
      "Malformed metadata: End-group tag does not match its start-group tag",
    ],
  ];
  test.each(cases)("%s", (_, bytes, message) => {
    expect(() => decodeMetadata(Uint8Array.from(bytes))).toThrow(message);
  });

  test("a coding with the wrong wire type names the subfield", () => {
    // request { subfields { number: 1, scalar_coding as an empty length-delimited field } }
    const method = [0x1a, 6, 0x1a, 4, 0x08, 1, 0x22, 0];
    const error = errorOf(() => decodeMetadata(wrapMethod(Uint8Array.from(method))));
    expect(error).toBeInstanceOf(MetadataError);
    expect((error as MetadataError).message).toBe(
      "Malformed metadata at service[0].methods[0].value.request.subfields[0].scalar_coding: " +
        "Wire type should be varint, got length-delimited",
    );
  });

  test("10,000 levels of nesting fail at the limit, without overflowing the stack", () => {
    let field = Uint8Array.from([0x08, 1]);
    for (let level = 0; level < 10_000; level++) {
      const length = varint(field.length);
      const next = new Uint8Array(1 + length.length + field.length);
      next.set([0x1a, ...length]);
      next.set(field, 1 + length.length);
      field = next;
    }
    const bytes = wrapMethod(Uint8Array.from([0x1a, ...varint(field.length), ...field]));
    const error = errorOf(() => decodeMetadata(bytes));
    expect(error).toBeInstanceOf(MetadataError);
    const { path, reason } = error as MetadataError;
    expect(reason).toBe(`Field nesting exceeds ${MAX_FIELD_NESTING} levels`);
    expect(path).toBe(
      `service[0].methods[0].value.request${".subfields[0]".repeat(MAX_FIELD_NESTING + 1)}`,
    );
  });
});

describe("encoding checks numbers", () => {
  test("a field number that is not a uint32 is named", () => {
    const bad = {
      ...everything,
      services: [
        {
          name: "s",
          methods: new Map([
            [
              "M",
              { function: "f", arity: 0, request: message([scalar(-1, "x", "FLOAT_IMPLICIT")]) },
            ],
          ]),
        },
      ],
    };
    expect(() => encodeMetadata(bad)).toThrow(
      "Cannot encode metadata: service[0].methods[0].value.request.subfields[0].number is -1, not a uint32",
    );
  });
});

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
