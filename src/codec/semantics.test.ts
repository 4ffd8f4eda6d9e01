// Decoding and encoding rules (ref §4.3–4.4), including where the original was wrong (§11).
import { describe, expect, test } from "bun:test";
import type { Field } from "../metadata/index.ts";
import { type ComponentRecord, compileDecoder, compileEncoder } from "./index.ts";
import { bare, bytes, compound, message, scalar } from "./testdata/fields.ts";

const decode = (schema: Field, wire: string) => compileDecoder(schema)(bytes(wire));
const encode = (schema: Field, value: ComponentRecord) => compileEncoder(schema)(value);
const hex = (wire: Uint8Array) =>
  Buffer.from(wire)
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 ");

describe("fixed bugs of the original", () => {
  test("negative int32 is a 10-byte varint, both ways", () => {
    const schema = message(scalar(1, "n", "INT32_IMPLICIT"));
    const wire = "08 ff ff ff ff ff ff ff ff ff 01";
    expect(decode(schema, wire)).toEqual({ n: -1 });
    expect(hex(encode(schema, { n: -1 }))).toBe(wire);
    expect(hex(encode(schema, { n: -2147483648 }))).toBe("08 80 80 80 80 f8 ff ff ff ff 01");
  });

  test("uint32 and int32 keep the low 32 bits of a longer varint", () => {
    // 2^32 + 5
    expect(decode(message(scalar(1, "n", "UINT32_IMPLICIT")), "08 85 80 80 80 10")).toEqual({
      n: 5,
    });
    // 2^33 − 1: low 32 bits all ones
    expect(decode(message(scalar(1, "n", "INT32_IMPLICIT")), "08 ff ff ff ff 1f")).toEqual({
      n: -1,
    });
  });

  test("repeated occurrences of a singular message merge", () => {
    const inner = compound(1, "inner", "MESSAGE", [
      scalar(1, "a", "INT32_IMPLICIT"),
      scalar(2, "b", "STRING_UTF8_IMPLICIT"),
      scalar(3, "list", "INT32_PACKED"),
      compound(4, "deeper", "MESSAGE", [
        scalar(1, "x", "INT32_IMPLICIT"),
        scalar(2, "y", "INT32_IMPLICIT"),
      ]),
      compound(5, "labels", "MAP", [
        scalar(1, "k", "STRING_UTF8_IMPLICIT"),
        scalar(2, "v", "INT32_IMPLICIT"),
      ]),
      compound(0, "choice", "ONEOF", [
        compound(6, "nested", "MESSAGE", [
          scalar(1, "x", "INT32_IMPLICIT"),
          scalar(2, "y", "INT32_IMPLICIT"),
        ]),
        scalar(7, "number", "INT32_EXPLICIT"),
      ]),
    ]);
    const first = '08 01 12 01 "x" 1a 01 07 22 02 08 01 2a 05 0a 01 "k" 10 01 32 02 08 03';
    const second = '1a 01 08 22 02 10 02 2a 05 0a 01 "k" 10 02 2a 05 0a 01 "j" 10 03 32 02 10 04';
    const count = (b: string) =>
      (b.match(/[0-9a-f]{2}|"[^"]*"/g) ?? []).reduce(
        (n, t) => n + (t.startsWith('"') ? t.length - 2 : 1),
        0,
      );
    const wire = `0a ${count(first).toString(16)} ${first} 0a ${count(second).toString(16)} ${second}`;
    expect(decode(message(inner), wire)).toEqual({
      inner: {
        a: 1,
        b: "x",
        list: Int32Array.of(7, 8),
        deeper: { x: 1, y: 2 },
        labels: [
          ["k", 2],
          ["j", 3],
        ],
        choice: { tag: "nested", val: { x: 3, y: 4 } },
      },
    });
  });

  test("-0.0 is sent; +0.0 is the default", () => {
    const schema = message(scalar(1, "f", "FLOAT_IMPLICIT"), scalar(2, "d", "DOUBLE_IMPLICIT"));
    expect(hex(encode(schema, { f: -0, d: -0 }))).toBe("0d 00 00 00 80 11 00 00 00 00 00 00 00 80");
    expect(encode(schema, { f: 0, d: 0 })).toEqual(new Uint8Array());
    expect(Object.is(decode(schema, "0d 00 00 00 80").f, -0)).toBe(true);
    expect(hex(encode(schema, { f: Number.NaN, d: 0 }))).toBe("0d 00 00 c0 7f");
  });

  test("explicit enums encode, the zero case too", () => {
    const schema = message(compound(1, "e", "ENUM_EXPLICIT", [bare(0, "zero"), bare(3, "three")]));
    expect(hex(encode(schema, { e: "zero" }))).toBe("08 00");
    expect(hex(encode(schema, { e: "three" }))).toBe("08 03");
    expect(encode(schema, { e: undefined })).toEqual(new Uint8Array());
    expect(decode(schema, "08 00")).toEqual({ e: "zero" });
    expect(decode(schema, "")).toEqual({ e: undefined });
  });

  test("repeated messages encode, with lengths past one byte", () => {
    const schema = message(
      compound(1, "items", "MESSAGE_EXPANDED", [scalar(1, "s", "STRING_UTF8_IMPLICIT")]),
    );
    const long = "y".repeat(200);
    const value = { items: [{ s: "a" }, { s: "" }, { s: long }] };
    const wire = encode(schema, value);
    expect(hex(wire.subarray(0, 9))).toBe("0a 03 0a 01 61 0a 00 0a cb");
    expect(compileDecoder(schema)(wire)).toEqual(value);
  });

  test("maps are lists of [key, value]; a repeated key keeps its last value", () => {
    const schema = message(
      compound(1, "counts", "MAP", [
        scalar(1, "key", "STRING_UTF8_IMPLICIT"),
        scalar(2, "value", "SINT64_IMPLICIT"),
      ]),
    );
    expect(
      hex(
        encode(schema, {
          counts: [
            ["a", -1n],
            ["", 0n],
          ],
        }),
      ),
    ).toBe("0a 05 0a 01 61 10 01 0a 04 0a 00 10 00");
    expect(decode(schema, '0a 05 0a 01 "a" 10 01 0a 02 10 04 0a 05 0a 01 "a" 10 06')).toEqual({
      counts: [
        ["a", 3n],
        ["", 2n],
      ],
    });
  });

  test("large maps keep first positions and last values too", () => {
    const schema = message(
      compound(1, "m", "MAP", [
        scalar(1, "key", "SINT64_IMPLICIT"),
        scalar(2, "value", "UINT32_IMPLICIT"),
      ]),
    );
    const entries: [bigint, number][] = Array.from({ length: 20 }, (_, i) => [BigInt(i - 10), i]);
    const again: [bigint, number][] = entries.map(([k, v]) => [k, v + 100]);
    const encoder = compileEncoder(schema);
    const first = encoder({ m: entries });
    const second = encoder({ m: [...again.slice(0, 3), [99n, 1]] });
    const wire = new Uint8Array([...first, ...second, ...first.subarray(0, 6)]);
    const expected = again.slice(0, 3).concat(entries.slice(3));
    expected[0] = entries[0] as [bigint, number]; // the last bytes repeat the very first entry
    expect(compileDecoder(schema)(wire)).toEqual({ m: [...expected, [99n, 1]] });
  });

  test("a map entry without a message value holds the record of defaults", () => {
    const schema = message(
      compound(1, "by-id", "MAP", [
        scalar(1, "key", "UINT32_IMPLICIT"),
        compound(2, "value", "MESSAGE", [scalar(1, "name", "STRING_UTF8_IMPLICIT")]),
      ]),
    );
    expect(decode(schema, "0a 02 08 07")).toEqual({ byId: [[7, { name: "" }]] });
    expect(hex(encode(schema, { byId: [[7, { name: "" }]] }))).toBe("0a 04 08 07 12 00");
  });
});

describe("decoding", () => {
  test("missing fields take their defaults", () => {
    const schema = message(
      scalar(1, "s", "STRING_UTF8_IMPLICIT"),
      scalar(2, "l", "INT64_IMPLICIT"),
      scalar(3, "b", "BOOL_IMPLICIT"),
      scalar(4, "o", "INT32_EXPLICIT"),
      scalar(5, "p", "DOUBLE_PACKED"),
      scalar(6, "x", "BOOL_EXPANDED"),
      compound(7, "e", "ENUM_IMPLICIT", [bare(1, "one"), bare(0, "zero")]),
      compound(8, "m", "MESSAGE", []),
      compound(9, "ms", "MESSAGE_EXPANDED", []),
    );
    expect(decode(schema, "")).toStrictEqual({
      s: "",
      l: 0n,
      b: false,
      o: undefined,
      p: new Float64Array(),
      x: [],
      e: "zero",
      m: undefined,
      ms: [],
    });
  });

  test("a later occurrence of a singular scalar replaces the earlier one", () => {
    expect(decode(message(scalar(1, "n", "INT32_IMPLICIT")), "08 01 08 02")).toEqual({ n: 2 });
  });

  test("repeated numbers accept packed and expanded occurrences, intermixed", () => {
    for (const coding of ["SINT32_PACKED", "SINT32_EXPANDED"] as const) {
      const schema = message(scalar(1, "n", coding));
      expect(decode(schema, "08 01 0a 02 03 05 08 07")).toEqual({
        n: Int32Array.of(-1, -2, -3, -4),
      });
    }
    const fixed = message(scalar(1, "n", "FIXED64_EXPANDED"));
    expect(decode(fixed, "09 01 00 00 00 00 00 00 00 0a 08 ff ff ff ff ff ff ff ff")).toEqual({
      n: BigUint64Array.of(1n, 18446744073709551615n),
    });
    const enums = message(compound(1, "e", "ENUM_PACKED", [bare(0, "a"), bare(1, "b")]));
    expect(decode(enums, "08 01 0a 02 00 01")).toEqual({ e: ["b", "a", "b"] });
    const bools = message(scalar(1, "b", "BOOL_EXPANDED"));
    expect(decode(bools, "0a 02 01 00 08 01")).toEqual({ b: [true, false, true] });
  });

  test("declared packing decides encoding", () => {
    expect(hex(encode(message(scalar(1, "n", "INT32_PACKED")), { n: [1, 2] }))).toBe("0a 02 01 02");
    expect(hex(encode(message(scalar(1, "n", "INT32_EXPANDED")), { n: [1, 2] }))).toBe(
      "08 01 08 02",
    );
    expect(encode(message(scalar(1, "n", "INT32_PACKED")), { n: [] })).toEqual(new Uint8Array());
  });

  test("unknown enum numbers decode as the zero case, or fail without one", () => {
    const withZero = message(compound(1, "e", "ENUM_EXPANDED", [bare(0, "zero"), bare(1, "one")]));
    expect(decode(withZero, "08 07 08 01")).toEqual({ e: ["zero", "one"] });
    const noZero = message(compound(1, "e", "ENUM_EXPLICIT", [bare(1, "one")]));
    expect(() => decode(noZero, "08 07")).toThrow(
      "Malformed request (.1): Enum value 7 is unknown and the enum has no case numbered 0",
    );
  });

  test("negative enum numbers, written as their uint32 pattern in Metadata", () => {
    const schema = message(
      compound(1, "e", "ENUM_IMPLICIT", [bare(0, "zero"), bare(4294967295, "minus-one")]),
    );
    const wire = "08 ff ff ff ff ff ff ff ff ff 01";
    expect(decode(schema, wire)).toEqual({ e: "minus-one" });
    expect(hex(encode(schema, { e: "minus-one" }))).toBe(wire);
  });

  test("unknown fields are skipped, groups to their end tag", () => {
    const schema = message(scalar(1, "n", "INT32_IMPLICIT"));
    const unknown =
      "10 96 01 19 01 02 03 04 05 06 07 08 22 02 ff ff 2d 01 02 03 04 33 08 01 3b 40 01 3c 34";
    expect(decode(schema, `${unknown} 08 05 ${unknown}`)).toEqual({ n: 5 });
  });

  test("oneof: the last variant wins", () => {
    const schema = message(
      compound(0, "pick", "ONEOF", [
        scalar(1, "a", "INT32_EXPLICIT"),
        scalar(2, "b", "STRING_PERMISSIVE_EXPLICIT"),
      ]),
    );
    expect(decode(schema, '08 01 12 01 "x"')).toEqual({ pick: { tag: "b", val: "x" } });
    expect(decode(schema, '12 01 "x" 08 00')).toEqual({ pick: { tag: "a", val: 0 } });
    expect(hex(encode(schema, { pick: { tag: "a", val: 0 } }))).toBe("08 00");
  });

  test("permissive strings are not checked; invalid bytes become U+FFFD", () => {
    expect(decode(message(scalar(1, "s", "STRING_PERMISSIVE_IMPLICIT")), "0a 02 c3 41")).toEqual({
      s: "\ufffdA",
    });
  });

  test("a leading U+FEFF is text, not a byte-order mark", () => {
    const schema = message(scalar(1, "s", "STRING_UTF8_IMPLICIT"));
    expect(decode(schema, "0a 05 ef bb bf c3 a9")).toEqual({ s: "\ufeffé" });
    expect(hex(encode(schema, { s: "\ufeffé" }))).toBe("0a 05 ef bb bf c3 a9");
  });

  test("strings of every length and script round-trip", () => {
    const schema = message(scalar(1, "s", "STRING_UTF8_EXPANDED"));
    const strings = [
      "",
      "a",
      "é",
      "😀",
      "x".repeat(42),
      "é".repeat(42),
      "😀".repeat(21),
      "y".repeat(43),
      "ü".repeat(5000),
    ];
    const wire = encode(schema, { s: strings });
    expect(compileDecoder(schema)(wire)).toEqual({ s: strings });
  });

  test("a lone surrogate is encoded as U+FFFD, as TextEncoder does", () => {
    const schema = message(scalar(1, "s", "STRING_UTF8_IMPLICIT"));
    expect(hex(encode(schema, { s: "a\ud800" }))).toBe("0a 04 61 ef bf bd");
  });

  test("bytes are views of the input", () => {
    const wire = bytes("0a 02 01 02");
    const { b } = compileDecoder(message(scalar(1, "b", "BYTES_IMPLICIT")))(wire) as {
      b: Uint8Array;
    };
    expect(b).toEqual(Uint8Array.of(1, 2));
    expect(b.buffer).toBe(wire.buffer);
  });
});

describe("encoding", () => {
  test("fields go out in the order of the message's subfields", () => {
    const schema = message(scalar(2, "b", "INT32_IMPLICIT"), scalar(1, "a", "INT32_IMPLICIT"));
    expect(hex(encode(schema, { a: 1, b: 2 }))).toBe("10 02 08 01");
  });

  test("explicit fields are sent when present, even empty", () => {
    const schema = message(
      scalar(1, "s", "STRING_UTF8_EXPLICIT"),
      scalar(2, "n", "UINT64_EXPLICIT"),
    );
    expect(hex(encode(schema, { s: "", n: 0n }))).toBe("0a 00 10 00");
    expect(encode(schema, { s: undefined, n: null } as unknown as ComponentRecord)).toEqual(
      new Uint8Array(),
    );
  });

  test("typed arrays and plain arrays are both accepted for numeric lists", () => {
    const schema = message(scalar(1, "f", "FLOAT_PACKED"), scalar(2, "l", "SINT64_EXPANDED"));
    const typed = encode(schema, { f: Float32Array.of(1, -2), l: BigInt64Array.of(-1n) });
    expect(encode(schema, { f: [1, -2], l: [-1n] })).toEqual(typed);
    expect(hex(typed)).toBe("0a 08 00 00 80 3f 00 00 00 c0 10 01");
  });

  test("64-bit extremes", () => {
    const schema = message(
      scalar(1, "a", "INT64_IMPLICIT"),
      scalar(2, "b", "UINT64_IMPLICIT"),
      scalar(3, "c", "SINT64_IMPLICIT"),
      scalar(4, "d", "SFIXED64_IMPLICIT"),
    );
    const value = {
      a: -9223372036854775808n,
      b: 18446744073709551615n,
      c: -9223372036854775808n,
      d: -1n,
    };
    const wire = encode(schema, value);
    expect(hex(wire)).toBe(
      "08 80 80 80 80 80 80 80 80 80 01 10 ff ff ff ff ff ff ff ff ff 01 18 ff ff ff ff ff ff ff ff ff 01 21 ff ff ff ff ff ff ff ff",
    );
    expect(compileDecoder(schema)(wire)).toEqual(value);
  });

  test("messages and packed runs longer than 127 bytes get multi-byte lengths", () => {
    const schema = message(
      compound(1, "m", "MESSAGE", [
        scalar(1, "n", "UINT32_PACKED"),
        scalar(2, "s", "STRING_UTF8_IMPLICIT"),
      ]),
    );
    const value = {
      m: { n: Uint32Array.from({ length: 300 }, (_, i) => i * 1000), s: "z".repeat(20000) },
    };
    const wire = encode(schema, value);
    expect(compileDecoder(schema)(wire)).toEqual(value);
    expect(encode(schema, value)).toEqual(wire);
  });
});
