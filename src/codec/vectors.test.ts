// The original's codec test vectors (ref §4.5), each checked in both directions, byte for byte.
import { describe, expect, test } from "bun:test";
import type { Field } from "../metadata/index.ts";
import { type ComponentRecord, compileDecoder, compileEncoder } from "./index.ts";
import { bare, bytes, compound, message, scalar } from "./testdata/fields.ts";

function roundTrip(schema: Field, value: ComponentRecord, wire: Uint8Array): void {
  expect(compileEncoder(schema)(value)).toEqual(wire);
  expect(compileDecoder(schema)(wire)).toEqual(value);
}

describe("test_messages_deep_nested_lengths", () => {
  const schema = (withEnum: boolean) =>
    message(
      compound(1, "x", "MESSAGE", [scalar(1, "a", "SINT32_IMPLICIT")]),
      compound(2, "y", "MESSAGE", [
        compound(30, "aa", "MESSAGE", [
          scalar(1, "strings", "STRING_UTF8_EXPANDED"),
          compound(0, "variants", "ONEOF", [
            compound(5, "another", "MESSAGE", [scalar(1, "aaa", "FLOAT_PACKED")]),
            scalar(6, "unused", "BOOL_EXPLICIT"),
          ]),
          ...(withEnum
            ? [
                compound(128, "youre-either", "ENUM_PACKED", [
                  bare(1, "in"),
                  bare(0, "out"),
                  bare(10000, "above"),
                ]),
              ]
            : []),
        ]),
        scalar(3, "bb", "INT64_PACKED"),
      ]),
    );
  const value = (youreEither?: string[]) => ({
    x: { a: -5 },
    y: {
      aa: {
        strings: ["test", "ing"],
        variants: { tag: "another", val: { aaa: new Float32Array([0, -1]) } },
        ...(youreEither ? { youreEither } : {}),
      },
      bb: new BigInt64Array([127n, 128n, 2097152n, 0n]),
    },
  });
  const x = "0a 02 08 09";
  const bb = "1a 08 7f 80 01 80 80 80 01 00";
  const aaContent = '0a 04 "test" 0a 03 "ing" 2a 0a 0a 08 00 00 00 00 00 00 80 bf';

  test("decode side: y is 36 bytes, aa 23", () => {
    roundTrip(schema(false), value(), bytes(`${x} | 12 24 f2 01 17 ${aaContent} | ${bb}`));
  });

  test("encode side: the packed enum makes y 43 bytes and aa 30", () => {
    const wire = bytes(`${x} | 12 2b f2 01 1e ${aaContent} 82 08 04 01 90 4e 00 | ${bb}`);
    roundTrip(schema(true), value(["in", "above", "out"]), wire);
  });
});

describe("bytes", () => {
  test("test_bytes_implicit", () => {
    roundTrip(
      message(scalar(12, "field", "BYTES_IMPLICIT")),
      { field: Uint8Array.of(1, 2, 3, 4, 5) },
      bytes("62 05 01 02 03 04 05"),
    );
  });

  test("test_bytes_implicit_empty", () => {
    roundTrip(
      message(scalar(12, "field", "BYTES_IMPLICIT")),
      { field: new Uint8Array() },
      bytes(""),
    );
  });

  test("test_bytes_explicit", () => {
    roundTrip(
      message(scalar(1, "field", "BYTES_EXPLICIT")),
      { field: new Uint8Array() },
      bytes("0a 00"),
    );
  });

  test("test_bytes_repeated", () => {
    roundTrip(
      message(scalar(1, "field", "BYTES_EXPANDED")),
      { field: [Uint8Array.of(255, 127), new Uint8Array()] },
      bytes("0a 02 ff 7f 0a 00"),
    );
  });
});

describe("strings", () => {
  test("test_string_implicit", () => {
    roundTrip(
      message(scalar(12, "field", "STRING_UTF8_IMPLICIT")),
      { field: "hello" },
      bytes('62 05 "hello"'),
    );
  });

  test("test_string_implicit_empty", () => {
    roundTrip(message(scalar(12, "field", "STRING_UTF8_IMPLICIT")), { field: "" }, bytes(""));
  });

  test("test_string_explicit", () => {
    roundTrip(
      message(scalar(1, "field", "STRING_PERMISSIVE_EXPLICIT")),
      { field: "" },
      bytes("0a 00"),
    );
  });

  test("test_string_repeated", () => {
    roundTrip(
      message(scalar(1, "field", "STRING_UTF8_EXPANDED")),
      { field: ["fersher", ""] },
      bytes('0a 07 "fersher" 0a 00'),
    );
  });
});
