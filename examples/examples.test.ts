import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import { LineWriter, wasiImports } from "../runtime/host/index.ts";
import { type ComponentRecord, compileMethodCodec } from "../src/codec/index.ts";
import { decodeMetadata } from "../src/metadata/index.ts";
import { protocDecode, protocEncode } from "../src/metadata/testdata/protoc.ts";
import { adderMetadata } from "./adder/metadata.ts";
import { buildExamples } from "./build.ts";
import { builtPath, type ExampleComponent, exampleComponents, metadataPath } from "./index.ts";

interface AddFloats {
  addFloats(
    ctx: { headers: [string, string][] },
    request: { x: number; y: number } | ComponentRecord,
  ): { result: number };
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-examples-"));
  const results = await buildExamples();
  // Every example must build here: `bun run test` installs the C toolchain first.
  const notBuilt = results.filter((r) => r.outcome === "skipped" || r.outcome === "failed");
  expect(
    notBuilt.map((r) => `${r.example.name}: ${"reason" in r ? r.reason : r.error.message}`),
  ).toEqual([]);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** What the examples printed, line by line (only adder-logging-c prints). */
const printed: string[] = [];

/**
 * Transpiles a built example with jco and instantiates it: the component's glue and, for what it
 * imports, vimanad's WASI sandbox with its output collected in `printed`.
 */
async function instantiate(example: ExampleComponent): Promise<AddFloats> {
  const bytes = await Bun.file(builtPath(example)).bytes();
  const { files } = await transpileBytes(bytes, { name: example.name, instantiation: "async" });
  const dir = join(scratch, example.name);
  for (const [name, content] of Object.entries(files)) await Bun.write(join(dir, name), content);
  const glue = await import(join(dir, `${example.name}.js`));
  const compile = async (name: string) =>
    WebAssembly.compile(await Bun.file(join(dir, name)).bytes());
  const collect = new LineWriter((line) => printed.push(line));
  return glue.instantiate(compile, wasiImports({ env: [], stdout: collect, stderr: collect }));
}

const f32 = Math.fround;
const expected: Record<string, (x: number, y: number) => number> = {
  adder: (x, y) => f32(f32(x) + f32(y)),
  multiplier: (x, y) => f32(f32(x) * f32(y)),
};

/** A FLOAT field on the wire: the tag byte, then the float32 little-endian. */
function floatField(tag: number, value: number): number[] {
  const bytes = new Uint8Array(5);
  bytes[0] = tag;
  new DataView(bytes.buffer).setFloat32(1, value, true);
  return [...bytes];
}

describe("adder Metadata", () => {
  test("says what the original's adder.txtpb says", async () => {
    const original = protocEncode(
      await Bun.file(join(import.meta.dir, "adder/adder.txtpb")).text(),
    );
    expect(decodeMetadata(original)).toEqual(adderMetadata);
    for (const example of exampleComponents) {
      const built = await Bun.file(metadataPath(example)).bytes();
      expect(decodeMetadata(built)).toEqual(decodeMetadata(original));
      expect(protocDecode(built)).toBe(protocDecode(original));
      // One method, so no map order to differ: the very bytes the original build produced.
      expect(built).toEqual(original);
    }
  });
});

describe.each(exampleComponents.map((e) => [e.name, e] as const))("%s", (name, example) => {
  const compute = expected[name.split("-")[0] ?? ""];
  if (!compute) throw new Error(`no expected result for example ${name}`);

  test("add-floats(ctx, {x: 3.5, y: -1.2}) returns the float32 result", async () => {
    const component = await instantiate(example);
    const { result } = component.addFloats({ headers: [] }, { x: 3.5, y: -1.2 });
    expect(result).toBe(compute(3.5, -1.2));
    if (name.startsWith("adder")) expect(result).toBe(f32(2.3));
    if (name === "adder-logging-c") expect(printed).toContain("AddFloats(3.5, -1.2) = 2.3");
  });

  test("serves AddFloats bytes through the codec its built Metadata describes", async () => {
    const metadata = decodeMetadata(await Bun.file(metadataPath(example)).bytes());
    const method = metadata.services[0]?.methods.get("AddFloats");
    if (!method) throw new Error("no AddFloats in the built Metadata");
    expect(method.function).toBe("add-floats");
    const codec = compileMethodCodec(method);
    const component = await instantiate(example);
    const request = codec.decodeRequest(
      Uint8Array.from([...floatField(0x0d, 3.5), ...floatField(0x15, -1.2)]),
    );
    const response = codec.encodeResponse(component.addFloats({ headers: [] }, request));
    expect(response).toEqual(Uint8Array.from(floatField(0x0d, compute(3.5, -1.2))));
  });

  test("accepts request headers, large and many, call after call", async () => {
    const component = await instantiate(example);
    // 300 KiB of headers forces the component's allocator to grow memory; repeating the call
    // shows each call's arguments are released (the WAT arena resets, C frees).
    const headers: [string, string][] = [
      ["user-agent", "grpc-js/1.14"],
      ["x-big", "v".repeat(300 * 1024)],
      ["x-unicode", "ünï©ødé 🚀"],
    ];
    for (let i = 0; i < 200; i++) {
      expect(component.addFloats({ headers }, { x: i, y: 0.5 }).result).toBe(compute(i, 0.5));
    }
  });
});
