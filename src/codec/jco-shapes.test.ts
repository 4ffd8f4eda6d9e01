// Pins the codec's value shapes to what jco's transpiled glue really produces and accepts: a
// component that echoes a record with every shape (testdata/shapes.wit) is built from WAT,
// transpiled, and called with values our decoder made; what the glue lifts back must encode.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import { buildComponent } from "../build/index.ts";
import { type ComponentRecord, compileDecoder, compileEncoder } from "./index.ts";
import { bare, compound, message, scalar } from "./testdata/fields.ts";

const colors = [bare(0, "red"), bare(1, "light-blue"), bare(2, "HTTP-two")];
const inner = [scalar(1, "label", "STRING_UTF8_IMPLICIT"), scalar(2, "count", "UINT32_IMPLICIT")];

/** The `sample` record of shapes.wit as a message. */
const sampleMessage = message(
  scalar(1, "big-signed", "INT64_IMPLICIT"),
  scalar(2, "big-unsigned", "UINT64_IMPLICIT"),
  scalar(3, "signed", "SINT32_IMPLICIT"),
  scalar(4, "unsigned", "FIXED32_IMPLICIT"),
  scalar(5, "single", "FLOAT_IMPLICIT"),
  scalar(6, "double", "DOUBLE_IMPLICIT"),
  scalar(7, "flag", "BOOL_IMPLICIT"),
  scalar(8, "text", "STRING_UTF8_IMPLICIT"),
  scalar(9, "raw-bytes", "BYTES_IMPLICIT"),
  scalar(10, "maybe-text", "STRING_UTF8_EXPLICIT"),
  scalar(11, "maybe-float", "FLOAT_EXPLICIT"),
  scalar(12, "maybe-long", "SFIXED64_EXPLICIT"),
  compound(13, "color", "ENUM_IMPLICIT", colors),
  compound(14, "maybe-color", "ENUM_EXPLICIT", colors),
  compound(0, "choice", "ONEOF", [
    scalar(15, "text", "STRING_UTF8_EXPLICIT"),
    scalar(16, "number", "SINT64_EXPLICIT"),
    compound(17, "nested", "MESSAGE", inner),
    compound(18, "shade", "ENUM_EXPLICIT", colors),
  ]),
  scalar(19, "floats", "FLOAT_PACKED"),
  scalar(20, "doubles", "DOUBLE_EXPANDED"),
  scalar(21, "ints", "INT32_PACKED"),
  scalar(22, "uints", "UINT32_EXPANDED"),
  scalar(23, "longs", "SFIXED64_PACKED"),
  scalar(24, "ulongs", "UINT64_PACKED"),
  scalar(25, "bools", "BOOL_PACKED"),
  compound(26, "colors", "ENUM_PACKED", colors),
  scalar(27, "strings", "STRING_UTF8_EXPANDED"),
  scalar(28, "blobs", "BYTES_EXPANDED"),
  compound(29, "labels", "MAP", [
    scalar(1, "key", "STRING_UTF8_IMPLICIT"),
    scalar(2, "value", "UINT32_IMPLICIT"),
  ]),
  compound(30, "by-id", "MAP", [
    scalar(1, "key", "INT64_IMPLICIT"),
    compound(2, "value", "MESSAGE", inner),
  ]),
  compound(31, "inners", "MESSAGE_EXPANDED", inner),
  compound(32, "maybe-inner", "MESSAGE", inner),
  scalar(33, "all-CAPS-word", "BOOL_IMPLICIT"),
);

/** Every shape, written as we expect jco's glue to lift it. */
const sample: ComponentRecord = {
  bigSigned: -9007199254740993n,
  bigUnsigned: 18446744073709551615n,
  signed: -7,
  unsigned: 4000000000,
  single: 1.5,
  double: -0.1,
  flag: true,
  text: "héllo",
  rawBytes: Uint8Array.of(0, 255),
  maybeText: "",
  maybeFloat: undefined,
  maybeLong: -1n,
  color: "HTTP-two",
  maybeColor: "red",
  choice: { tag: "nested", val: { label: "n", count: 3 } },
  floats: Float32Array.of(1.5, -2),
  doubles: Float64Array.of(0.1),
  ints: Int32Array.of(-1, 2),
  uints: Uint32Array.of(4294967295),
  longs: BigInt64Array.of(-2n),
  ulongs: BigUint64Array.of(18446744073709551615n),
  bools: [true, false],
  colors: ["light-blue", "red"],
  strings: ["a", ""],
  blobs: [Uint8Array.of(1), new Uint8Array()],
  labels: [
    ["one", 1],
    ["two", 2],
  ],
  byId: [[5n, { label: "five", count: 5 }]],
  inners: [{ label: "i", count: 0 }],
  maybeInner: undefined,
  allCapsWord: true,
};

interface Shapes {
  echo(value: ComponentRecord): ComponentRecord;
}

let scratch: string;
let component: Shapes;
const decode = compileDecoder(sampleMessage);
const encode = compileEncoder(sampleMessage);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-codec-shapes-"));
  const testdata = join(import.meta.dir, "testdata");
  const wasm = await buildComponent({
    language: "wat",
    sources: [join(testdata, "shapes.wat")],
    witPath: join(testdata, "shapes.wit"),
    world: "shapes",
  });
  const { files } = await transpileBytes(wasm, { name: "shapes", instantiation: "async" });
  for (const [name, content] of Object.entries(files))
    await Bun.write(join(scratch, name), content);
  const glue = await import(join(scratch, "shapes.js"));
  const compile = async (name: string) =>
    WebAssembly.compile(await Bun.file(join(scratch, name)).bytes());
  component = await glue.instantiate(compile, {});
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("jco's glue", () => {
  test("lifts exactly the shapes the codec uses", () => {
    // toStrictEqual tells Float32Array from number[], bigint from number, and an absent key
    // from one holding undefined.
    expect(component.echo(sample)).toStrictEqual(sample);
  });

  test("accepts what the decoder produces, and the encoder accepts what it lifts", () => {
    const wire = encode(component.echo(sample));
    const decoded = decode(wire);
    expect(decoded).toStrictEqual(sample);
    const lifted = component.echo(decoded);
    expect(lifted).toStrictEqual(decoded);
    expect(encode(lifted)).toEqual(wire);
  });

  test("defaults: empty message, empty lists, no options", () => {
    const defaults = decode(new Uint8Array());
    expect(defaults).toMatchObject({ color: "red", choice: undefined, floats: new Float32Array() });
    expect(component.echo(defaults)).toStrictEqual(defaults);
    expect(encode(defaults)).toEqual(new Uint8Array());
  });

  test.each([
    ["text", { tag: "text", val: "t" }],
    ["number", { tag: "number", val: -3n }],
    ["shade", { tag: "shade", val: "light-blue" }],
  ])("oneof variant %s", (_, choice) => {
    const value = decode(encode({ ...sample, choice }));
    expect(value.choice).toStrictEqual(choice);
    expect(component.echo(value)).toStrictEqual(value);
  });
});
