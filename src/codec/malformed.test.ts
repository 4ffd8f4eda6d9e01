// Bad input fails with the error and path of ref §4.3, and never crashes, hangs or overflows.
import { describe, expect, test } from "bun:test";
import type { Field } from "../metadata/index.ts";
import {
  CodecBuildError,
  type ComponentRecord,
  compileDecoder,
  compileEncoder,
  DecodeError,
  EncodeError,
} from "./index.ts";
import { fc } from "./testdata/fast-check.ts";
import { bare, bytes, compound, message, scalar } from "./testdata/fields.ts";

const inner = [scalar(1, "s", "STRING_UTF8_IMPLICIT"), scalar(5, "n", "INT32_IMPLICIT")];
const schema = message(
  scalar(1, "f", "FLOAT_IMPLICIT"),
  scalar(2, "s", "STRING_UTF8_IMPLICIT"),
  scalar(3, "b", "BOOL_IMPLICIT"),
  scalar(4, "packed", "SINT32_PACKED"),
  compound(5, "labels", "MAP", [
    scalar(1, "key", "STRING_UTF8_IMPLICIT"),
    compound(2, "value", "MESSAGE", inner),
  ]),
  compound(6, "y", "MESSAGE", [compound(30, "items", "MESSAGE_EXPANDED", inner)]),
  scalar(7, "d", "DOUBLE_EXPLICIT"),
  compound(8, "e", "ENUM_PACKED", [bare(0, "zero"), bare(1, "one")]),
  compound(0, "choice", "ONEOF", [
    scalar(9, "t", "BYTES_EXPLICIT"),
    compound(10, "m", "MESSAGE", inner),
  ]),
);
const decode = compileDecoder(schema);

describe("malformed requests", () => {
  const cases: [string, string, string][] = [
    ["truncated float", "0d 00 00", "(.1): Truncated: needs 4 bytes, 2 left"],
    ["truncated double", "39 00 00 00", "(.7): Truncated: needs 8 bytes, 3 left"],
    ["truncated varint", "20 ff", "(.4[0]): Truncated varint"],
    ["truncated tag", "ff", "(): Truncated varint"],
    [
      "overlong varint",
      "20 ff ff ff ff ff ff ff ff ff ff 01",
      "(.4[0]): Varint longer than 10 bytes",
    ],
    ["overlong tag", "ff ff ff ff ff 01", "(): Invalid tag: field number out of range"],
    ["wrong wire type", "08 01", "(.1): Wire type should be 32-bit, got varint"],
    ["string as varint", "10 01", "(.2): Wire type should be length-delimited, got varint"],
    [
      "packed field as 64-bit",
      "21 00 00 00 00 00 00 00 00",
      "(.4): Wire type should be varint or length-delimited, got 64-bit",
    ],
    ["invalid wire type", "0f", "(.1): Invalid wire type 7"],
    ["field number 0", "00 00", "(): Invalid field number 0"],
    ["length past the end", '12 05 "a"', "(.2): Length 5 exceeds the 1 bytes left"],
    ["length over 4 GiB", "12 ff ff ff ff 7f", "(.2): Length over 4 GiB exceeds the 0 bytes left"],
    ["invalid UTF-8", "12 02 c3 28", "(.2): Invalid UTF-8"],
    ["overlong UTF-8", "12 02 c0 80", "(.2): Invalid UTF-8"],
    ["UTF-8 surrogate", "12 03 ed a0 80", "(.2): Invalid UTF-8"],
    ["invalid bool", "18 02", "(.3): Invalid boolean value (first byte 0x2)"],
    ["multi-byte bool", "18 81 00", "(.3): Invalid boolean value (first byte 0x81)"],
    ["packed element cut short", "22 03 02 04 80", "(.4[2]): Truncated varint"],
    ["packed run past the end", "22 09 02", "(.4): Length 9 exceeds the 1 bytes left"],
    [
      "packed fixed-size run of the wrong length",
      "3a 03 00 00 00",
      "(.7): Wire type should be 64-bit, got length-delimited",
    ],
    ["error deep inside", "32 07 f2 01 04 28 ff ff ff", "(.6.30[0].5): Truncated varint"],
    ["second list element", "32 09 f2 01 00 f2 01 03 0a 01 ff", "(.6.30[1].1): Invalid UTF-8"],
    ["map value", "2a 07 0a 00 12 03 28 80 80", "(.5[0].2.5): Truncated varint"],
    ["second map entry key", "2a 00 2a 03 0a 01 ff", "(.5[1].1): Invalid UTF-8"],
    ["oneof message", "52 02 28 ff", "(.10.5): Truncated varint"],
    ["unknown field cut short", "c0 01 80", "(.24): Truncated varint"],
    ["unknown fixed64 cut short", "c1 01 00", "(.24): Truncated: needs 8 bytes, 1 left"],
    ["unmatched end group", "c4 01", "(.24): Unexpected end-group tag"],
    ["group never closed", "c3 01 08 01", "(.24): Group without an end-group tag"],
    [
      "mismatched end group",
      "c3 01 cc 01",
      "(.24): End-group tag does not match its start-group tag",
    ],
  ];
  test.each(cases)("%s", (_, wire, error) => {
    let thrown: unknown;
    try {
      decode(bytes(wire));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DecodeError);
    expect((thrown as DecodeError).message).toBe(`Malformed request ${error}`);
  });

  test("packed fixed-size run whose length is not a multiple of the size", () => {
    const floats = compileDecoder(message(scalar(1, "f", "FLOAT_PACKED")));
    expect(() => floats(bytes("0a 03 00 00 00"))).toThrow(
      "Malformed request (.1): Packed length 3 is not a multiple of 4",
    );
  });

  test("an input that is not a Uint8Array is a TypeError", () => {
    expect(() => decode("0a" as unknown as Uint8Array)).toThrow(TypeError);
  });

  test("random bytes and damaged messages only ever give DecodeError", () => {
    const encode = compileEncoder(schema);
    const valid = encode({
      f: 1.5,
      s: "sé",
      b: true,
      packed: [1, -300],
      labels: [["k", { s: "v", n: -1 }]],
      y: {
        items: [
          { s: "", n: 7 },
          { s: "x", n: 0 },
        ],
      },
      d: 2,
      e: ["one", "zero"],
      choice: { tag: "m", val: { s: "m", n: 2 } },
    });
    const damaged = fc
      .tuple(fc.nat(valid.length - 1), fc.nat(255), fc.nat(valid.length))
      .map(([at, byte, cut]) => {
        const copy = valid.slice(0, Math.max(cut, at + 1));
        copy[at] = byte;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), damaged), (wire) => {
        try {
          decode(wire);
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe("10,000 levels of nesting", () => {
  /** Field 1 of each message is the next message, `depth` times. */
  function nestedSchema(depth: number): Field {
    let field = scalar(2, "leaf", "INT32_IMPLICIT");
    for (let i = 0; i < depth; i++) field = compound(1, "next", "MESSAGE", [field]);
    return message(field);
  }

  /** `depth` nested length-delimited fields number 1, innermost `08 01`. */
  function nestedBytes(depth: number, open = "0a"): Uint8Array {
    let wire = bytes("10 01");
    for (let i = 0; i < depth; i++) {
      const length = varint(wire.length);
      const next = new Uint8Array(1 + length.length + wire.length);
      next.set([Number.parseInt(open, 16), ...length]);
      next.set(wire, 1 + length.length);
      wire = next;
    }
    return wire;
  }

  test("a Field tree that deep is refused when the codec is built", () => {
    expect(() => compileDecoder(nestedSchema(10_000))).toThrow(CodecBuildError);
    expect(() => compileEncoder(nestedSchema(10_000))).toThrow("Field nesting exceeds 100 levels");
  });

  test("bytes that deep decode against the deepest allowed schema: the excess is unknown", () => {
    const depth = 99;
    const decoded = compileDecoder(nestedSchema(depth))(nestedBytes(10_000));
    let level: ComponentRecord | undefined = decoded;
    for (let i = 0; i < depth; i++) level = level?.next as ComponentRecord | undefined;
    expect(level).toEqual({ leaf: 0 });
  });

  test("groups that deep fail at the limit", () => {
    const groups = new Uint8Array(20_000);
    groups.fill(0x1b, 0, 10_000); // start group, field 3
    groups.fill(0x1c, 10_000); // end group, field 3
    const unknown = compileDecoder(message(scalar(1, "n", "INT32_IMPLICIT")));
    expect(() => unknown(groups)).toThrow(
      "Malformed request (.3): Groups nested deeper than 100 levels",
    );
  });

  test("a thousand levels of groups under the limit are skipped", () => {
    const groups = bytes(`${"1b ".repeat(100)} 08 01 ${"1c ".repeat(100)} 08 05`);
    expect(compileDecoder(message(scalar(1, "n", "INT32_IMPLICIT")))(groups)).toEqual({ n: 5 });
  });
});

describe("hostile sizes stay linear", () => {
  test("100,000 occurrences of a singular message merge in linear time", () => {
    const schema = message(
      compound(1, "m", "MESSAGE", [
        scalar(1, "n", "INT32_PACKED"),
        compound(2, "kv", "MAP", [
          scalar(1, "key", "UINT32_IMPLICIT"),
          scalar(2, "value", "BOOL_IMPLICIT"),
        ]),
        scalar(3, "s", "STRING_UTF8_EXPANDED"),
      ]),
    );
    const encode = compileEncoder(schema);
    const count = 100_000;
    const parts = Array.from({ length: count }, (_, i) =>
      encode({ m: { n: [i % 100], kv: [[i, true]], s: ["x"] } }),
    );
    const wire = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) {
      wire.set(part, at);
      at += part.length;
    }

    const start = performance.now();
    const { m } = compileDecoder(schema)(wire) as {
      m: { n: Int32Array; kv: unknown[]; s: string[] };
    };
    expect(performance.now() - start).toBeLessThan(2000);
    expect([m.n.length, m.kv.length, m.s.length]).toEqual([count, count, count]);
    expect(m.n[count - 1]).toBe((count - 1) % 100);
    expect(m.kv[count - 1]).toEqual([count - 1, true]);
  });
});

describe("values that do not fit the response", () => {
  const encode = compileEncoder(schema);
  const valid = {
    f: 0,
    s: "",
    b: false,
    packed: [],
    labels: [],
    y: undefined,
    d: undefined,
    e: [],
    choice: undefined,
  };
  const cases: [string, Record<string, unknown>, string][] = [
    ["wrong scalar type", { f: "1" }, '(.1): f: expected f32, got string "1"'],
    ["missing field", { s: undefined }, "(.2): s: expected string, got undefined"],
    [
      "non-integer in an int list",
      { packed: [1, 2.5] },
      "(.4[1]): packed: expected s32, got number 2.5",
    ],
    [
      "list of the wrong kind",
      { packed: new Float32Array(1) },
      "(.4): packed: expected list<s32>, got Float32Array",
    ],
    ["unknown enum case", { e: ["zero", "two"] }, '(.8[1]): e: unrecognized enum case "two"'],
    ["enum that is not a string", { e: [1] }, "(.8[0]): e: expected enum, got number 1"],
    ["record that is not an object", { y: 5 }, "(.6): y: expected record, got number 5"],
    [
      "deep type error",
      {
        y: {
          items: [
            { s: "", n: 0 },
            { s: 1, n: 0 },
          ],
        },
      },
      "(.6.30[1].1): s: expected string, got number 1",
    ],
    [
      "map entry that is not a pair",
      { labels: [["k"]] },
      "(.5[0]): labels: expected tuple<K, V>, got an array of 1",
    ],
    [
      "map value of the wrong type",
      { labels: [["k", 3]] },
      "(.5[0].2): value: expected record, got number 3",
    ],
    [
      "unknown variant",
      { choice: { tag: "nope", val: 1 } },
      '(): choice: unrecognized oneof variant string "nope"',
    ],
    [
      "variant without payload",
      { choice: { tag: "t" } },
      '(.9): choice: oneof variant "t" lacks a payload',
    ],
    [
      "variant payload of the wrong type",
      { choice: { tag: "t", val: "x" } },
      '(.9): choice: expected list<u8> (Uint8Array), got string "x"',
    ],
  ];
  test.each(cases)("%s", (_, change, error) => {
    let thrown: unknown;
    try {
      encode({ ...valid, ...change } as ComponentRecord);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(EncodeError);
    expect((thrown as EncodeError).message).toBe(`Invalid response ${error}`);
  });

  test("64-bit values out of range", () => {
    const longs = compileEncoder(
      message(scalar(1, "u", "UINT64_IMPLICIT"), scalar(2, "s", "SINT64_PACKED")),
    );
    expect(() => longs({ u: -1n, s: [] })).toThrow(
      "Invalid response (.1): u: -1 is out of range for u64",
    );
    expect(() => longs({ u: 0n, s: [2n ** 63n] })).toThrow(
      "Invalid response (.2[0]): s: 9223372036854775808 is out of range for s64",
    );
  });

  test("a response that is not a record", () => {
    expect(() => encode(undefined as unknown as ComponentRecord)).toThrow(
      "Invalid response (): response: expected record, got undefined",
    );
  });
});

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
  return out;
}
