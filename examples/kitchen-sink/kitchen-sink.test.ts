// The round trip that proves the compiler: kitchen-sink.proto compiles to a world, a JavaScript
// component that echoes its requests implements it (componentize-js), the compiled Metadata
// serves it, and every message a protobuf client sends comes back equal — for random messages
// of every field kind, through a gRPC call to the pod's data plane.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { buildComponentCached } from "../../src/build/index.ts";
import { type Compilation, compileProtos, writeCompilation } from "../../src/compiler/index.ts";
import { initArbitrary, protocRegistry, seed } from "../../src/compiler/testdata/reference.ts";
import { type RoundTripServer, serveOverGrpc } from "../../src/compiler/testdata/serve.ts";

const here = import.meta.dir;
const proto = join(here, "kitchen-sink.proto");
/** Compiler output and the built component, kept between runs so the build is cached. */
const outDir = join(here, "..", "..", "build", "kitchen-sink");
const service = "vimana.examples.kitchen_sink.KitchenSink";

let compilation: Compilation;
let server: RoundTripServer;
const messages = new Map<string, DescMessage>();

beforeAll(async () => {
  compilation = await compileProtos({ files: [proto], includeDirs: [here] });
  await mkdir(outDir, { recursive: true });
  await writeCompilation(compilation, outDir);
  const componentPath = join(outDir, "echo.wasm");
  await buildComponentCached(
    {
      language: "js",
      sources: [join(here, "echo.js")],
      witPath: join(outDir, compilation.witFileName),
      world: compilation.schema.world,
    },
    componentPath,
  );
  server = await serveOverGrpc(await Bun.file(componentPath).bytes(), compilation.metadata);
  const registry = await protocRegistry([proto], [here]);
  for (const [method, type] of [
    ["Echo", "vimana.examples.kitchen_sink.Everything"],
    ["EchoLegacy", "vimana.examples.legacy.Legacy"],
    ["Ping", "google.protobuf.Empty"],
  ] as const) {
    messages.set(method, registry.getMessage(type) as DescMessage);
  }
  // componentize-js takes seconds when echo.js or the WIT changed.
}, 120_000);

afterAll(async () => {
  await server?.close();
});

test("the world has one export per method, in a package per proto package", () => {
  expect(compilation.schema.world).toBe("kitchen-sink");
  expect(compilation.schema.services[0]?.methods.map((m) => m.function)).toEqual([
    "echo",
    "echo-legacy",
    "ping",
  ]);
  expect([compilation.schema.main, ...compilation.schema.others].map((p) => p.name)).toEqual([
    "vimana:examples-kitchen-sink",
    "google:protobuf",
    "vimana:examples-legacy",
  ]);
});

describe.each(["Echo", "EchoLegacy", "Ping"])("%s", (method) => {
  test("returns every message a protobuf client sends, equal", async () => {
    const desc = messages.get(method) as DescMessage;
    await fc.assert(
      fc.asyncProperty(initArbitrary(desc), async (init) => {
        const sent = toBinary(desc, create(desc, init));
        const received = await server.call(`/${service}/${method}`, sent);
        expect(fromBinary(desc, received)).toEqual(fromBinary(desc, sent));
      }),
      { numRuns: 300, seed },
    );
  });
});
