// The adder (examples/adder): the compiler's Metadata for adder.proto is the original's
// adder.txtpb, its WIT is the hand-written adder.wit's world, and the adder's WAT built against
// the compiled WIT serves AddFloats from the compiled Metadata.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { adderMetadata } from "../../examples/adder/metadata.ts";
import { buildComponent } from "../build/index.ts";
import { encodeMetadata } from "../metadata/index.ts";
import { protocEncode } from "../metadata/testdata/protoc.ts";
import { type Compilation, compileProtos, writeCompilation } from "./index.ts";
import { protocRegistry, seed } from "./testdata/reference.ts";
import { type RoundTripServer, serveOverGrpc } from "./testdata/serve.ts";
import { componentWorld } from "./testdata/wit-check.ts";

const adderDir = join(import.meta.dir, "..", "..", "examples", "adder");
const adderProto = join(adderDir, "adder.proto");
let compilation: Compilation;
let outDir: string;

beforeAll(async () => {
  compilation = await compileProtos({ files: [adderProto], includeDirs: [adderDir] });
  outDir = await mkdtemp(join(tmpdir(), "vimana-adder-"));
  await writeCompilation(compilation, outDir);
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe("Metadata", () => {
  test("is the original's adder.txtpb, byte for byte", async () => {
    const original = protocEncode(await Bun.file(join(adderDir, "adder.txtpb")).text());
    expect(encodeMetadata(compilation.metadata)).toEqual(original);
  });

  test("is the hand-written model examples serve the adder with", () => {
    expect(compilation.metadata).toEqual(adderMetadata);
  });
});

test("the WIT describes the hand-written adder.wit's world, but for its package version", async () => {
  const handWritten = (await Bun.file(join(adderDir, "adder.wit")).text()).replace("@1.2.3", "");
  const world = "adder-service";
  expect(await componentWorld(compilation.wit, world)).toBe(
    await componentWorld(handWritten, world),
  );
});

describe("round trip: the adder's WAT built against the compiled WIT", () => {
  let server: RoundTripServer;
  let request: DescMessage;
  let response: DescMessage;

  beforeAll(async () => {
    const component = await buildComponent({
      language: "wat",
      sources: [join(adderDir, "adder.wat")],
      witPath: join(outDir, compilation.witFileName),
      world: compilation.schema.world,
    });
    server = await serveOverGrpc(component, compilation.metadata);
    const registry = await protocRegistry([adderProto], [adderDir]);
    request = registry.getMessage("foo.bar.AddFloatsRequest") as DescMessage;
    response = registry.getMessage("foo.bar.AddFloatsResponse") as DescMessage;
  });

  afterAll(async () => {
    await server.close();
  });

  test("adds the floats a protobuf client sends", async () => {
    await fc.assert(
      fc.asyncProperty(fc.float(), fc.float(), async (x, y) => {
        const bytes = toBinary(request, create(request, { x, y }));
        const reply = fromBinary(
          response,
          await server.call("/foo.bar.AdderService/AddFloats", bytes),
        );
        expect(reply).toEqual(create(response, { result: Math.fround(x + y) }));
      }),
      { numRuns: 200, seed },
    );
  });
});
