// The canonical-ABI fast path against jco's glue, on the same pods: which methods take it
// (decided once, at load), 1,000 random AddFloats requests and 1,000 random kitchen-sink
// requests (every type the compiler emits) answered byte for byte alike by both, and failures
// (fuel, the component's log lines) the same on both.
import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { builtPath, type ExampleComponent, exampleComponents } from "../../examples/index.ts";
import { buildComponentCached } from "../../src/build/index.ts";
import { fc } from "../../src/codec/testdata/fast-check.ts";
import { compileProtos, writeCompilation } from "../../src/compiler/index.ts";
import { initArbitrary, protocRegistry } from "../../src/compiler/testdata/reference.ts";
import { CallFailure, ComponentHost, type LogLine } from "../host/index.ts";
import { CALL_PATH_ENV, type Route, RouteTable } from "./routes.ts";
import { examplePod, type LoadedPod, testerPod } from "./testdata/pods.ts";

const PATH = "/foo.bar.AdderService/AddFloats";
let cacheDir: string;
let host: ComponentHost;
const lines: LogLine[] = [];

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "vimana-call-paths-"));
  host = new ComponentHost({ cacheDir, log: (line) => lines.push(line) });
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** The pod's routes on the fast path and, forced, on jco's. */
function bothPaths(loaded: LoadedPod): { fast: RouteTable; jco: RouteTable } {
  const source = { podName: loaded.pod.name, isServing: () => true, ...loaded };
  const saved = process.env[CALL_PATH_ENV];
  delete process.env[CALL_PATH_ENV];
  const fast = new RouteTable(source);
  process.env[CALL_PATH_ENV] = "jco";
  const jco = new RouteTable(source);
  if (saved === undefined) delete process.env[CALL_PATH_ENV];
  else process.env[CALL_PATH_ENV] = saved;
  return { fast, jco };
}

/** Decode, call, encode: what the gRPC handler does with a request's message bytes. */
function answer(route: Route, wire: Uint8Array, headers: [string, string][]): Uint8Array | string {
  try {
    return route.encodeResponse(route.handle({ headers }, route.decodeRequest(wire)));
  } catch (error) {
    return error instanceof CallFailure ? `${error.kind}: ${error.message}` : String(error);
  }
}

const float32 = fc.float({ noDefaultInfinity: false, noNaN: false });
/** AddFloatsRequest bytes: x and y in either order, sometimes absent, with unknown fields. */
const requestBytes = fc
  .tuple(
    fc.option(float32),
    fc.option(float32),
    fc.boolean(),
    fc.option(fc.uint8Array({ maxLength: 8 })),
  )
  .map(([x, y, swap, unknown]) => {
    const parts: number[][] = [];
    const field = (tag: number, value: number) => {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setFloat32(0, value, true);
      return [tag, ...bytes];
    };
    if (x !== null) parts.push(field(0x0d, x));
    if (y !== null) parts.push(field(0x15, y));
    if (swap) parts.reverse();
    if (unknown !== null) parts.push([0x1a, unknown.length, ...unknown]);
    return new Uint8Array(parts.flat());
  });
const headers = fc.array(
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), fc.string({ maxLength: 40 })),
  { maxLength: 4 },
);

describe.each(["adder-wat", "adder-c", "multiplier-c"])("%s", (name) => {
  let loaded: LoadedPod;
  let routes: { fast: RouteTable; jco: RouteTable };
  beforeAll(async () => {
    loaded = await examplePod(host, name);
    routes = bothPaths(loaded);
  });

  test("AddFloats takes the fast path, and jco's when forced", () => {
    expect(routes.fast.get(PATH)?.callPath).toBe("canonical");
    expect(routes.jco.get(PATH)?.callPath).toBe("jco");
  });

  test("1,000 random requests: the same answer bytes on both paths", () => {
    const fast = routes.fast.get(PATH) as Route;
    const jco = routes.jco.get(PATH) as Route;
    fc.assert(
      fc.property(requestBytes, headers, (wire, metadata) => {
        expect(answer(fast, wire, metadata)).toEqual(answer(jco, wire, metadata));
      }),
      { numRuns: 1000 },
    );
  });
});

test("a spent fuel budget fails alike on both paths", async () => {
  // adder-logging-c formats a line per call: far more than a starved budget allows.
  const loaded = await examplePod(host, "adder-logging-c");
  const example = exampleComponents.find((e) => e.name === "adder-logging-c");
  const bytes = await Bun.file(builtPath(example as ExampleComponent)).bytes();
  const component = await host.load(bytes, { name: "adder-logging-c" });
  const pod = component.createPod({ name: "starved", fuelPerCall: 50 });
  const { fast, jco } = bothPaths({ ...loaded, pod });
  const wire = new Uint8Array([0x0d, 0, 0, 0x80, 0x3f]);
  const onFast = answer(fast.get(PATH) as Route, wire, []);
  expect(onFast).toBe(
    "budget: pod starved, component adder-logging-c, add-floats: CPU budget exhausted: used all 50 fuel",
  );
  expect(answer(jco.get(PATH) as Route, wire, [])).toBe(onFast);
});

test("a component's log line is written alike on both paths", async () => {
  const loaded = await examplePod(host, "adder-logging-c");
  const { fast, jco } = bothPaths(loaded);
  expect(fast.get(PATH)?.callPath).toBe("canonical");
  const wire = new Uint8Array([0x0d, 0, 0, 0x80, 0x3f]);
  lines.length = 0;
  const onFast = answer(fast.get(PATH) as Route, wire, []);
  const fastLines = lines.splice(0).map(({ stream, line }) => `${stream} ${line}`);
  expect(answer(jco.get(PATH) as Route, wire, [])).toEqual(onFast);
  expect(lines.map(({ stream, line }) => `${stream} ${line}`)).toEqual(fastLines);
  expect(fastLines.length).toBeGreaterThan(0);
});

test("the tester's methods (bytes both ways) take the fast path, and answer alike", async () => {
  const { fast, jco } = bothPaths(await testerPod(host, 1_000_000));
  const paths = [...fast.paths()].filter((path) => path.startsWith("/vimana.test.Tester/"));
  expect(paths.length).toBe(3);
  for (const path of paths) expect(fast.get(path)?.callPath).toBe("canonical");
  const double = "/vimana.test.Tester/Double";
  const wire = new Uint8Array([0x0a, 3, 1, 2, 3]);
  expect(answer(fast.get(double) as Route, wire, [])).toEqual(
    answer(jco.get(double) as Route, wire, []),
  );
});

describe("kitchen-sink", () => {
  const here = join(import.meta.dir, "..", "..", "examples", "kitchen-sink");
  const proto = join(here, "kitchen-sink.proto");
  const service = "/vimana.examples.kitchen_sink.KitchenSink";
  const methods = [
    ["Echo", "vimana.examples.kitchen_sink.Everything"],
    ["EchoLegacy", "vimana.examples.legacy.Legacy"],
    ["Ping", "google.protobuf.Empty"],
  ] as const;
  let routes: { fast: RouteTable; jco: RouteTable };
  let newRoutes: () => { fast: RouteTable; jco: RouteTable };
  const messages = new Map<string, DescMessage>();

  beforeAll(async () => {
    // The compiler's output and the componentize-js build, cached as kitchen-sink.test.ts does.
    const outDir = join(import.meta.dir, "..", "..", "build", "kitchen-sink");
    const compilation = await compileProtos({ files: [proto], includeDirs: [here] });
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
    const component = await host.load(await Bun.file(componentPath).bytes(), {
      name: "kitchen-sink",
    });
    newRoutes = () =>
      bothPaths({
        pod: component.createPod({ name: "kitchen-sink" }),
        metadata: compilation.metadata,
        exports: component.exports,
      });
    routes = newRoutes();
    const registry = await protocRegistry([proto], [here]);
    for (const [method, type] of methods) {
      messages.set(method, registry.getMessage(type) as DescMessage);
    }
  }, 120_000);

  test("every method takes the fast path", () => {
    for (const [method] of methods) {
      expect(routes.fast.get(`${service}/${method}`)?.callPath).toBe("canonical");
      expect(routes.jco.get(`${service}/${method}`)?.callPath).toBe("jco");
    }
  });

  test("imports called during direct calls leave none of jco's tasks behind", () => {
    // jco logs each task it creates and each that exits when JCO_DEBUG is set as an instance
    // starts. A direct call skips jco's export wrapper, so each import the component calls gets a
    // task of jco's making; unexited, they piled up and every later import searched them all.
    const saved = process.env.JCO_DEBUG;
    process.env.JCO_DEBUG = "1";
    const logged: unknown[][] = [];
    const debug = spyOn(console, "debug").mockImplementation((...args) => {
      logged.push(args);
    });
    try {
      const route = newRoutes().fast.get(`${service}/Ping`) as Route;
      for (let i = 0; i < 5; i++)
        expect(typeof answer(route, new Uint8Array(0), [])).not.toBe("string");
    } finally {
      debug.mockRestore();
      if (saved === undefined) delete process.env.JCO_DEBUG;
      else process.env.JCO_DEBUG = saved;
    }
    const ofComponent = (message: string) =>
      logged.filter(
        ([what, args]) =>
          what === message && (args as { componentIdx?: number }).componentIdx === 0,
      ).length;
    const created = ofComponent("[createNewCurrentTask()] args");
    expect(created).toBeGreaterThan(0);
    expect(ofComponent("[AsyncTask#exit()]")).toBe(created);
  });

  test("1,000 random Echo, EchoLegacy and Ping requests: the same answer bytes on both paths", () => {
    const request = fc.oneof(
      ...methods.map(([method]) => {
        const desc = messages.get(method) as DescMessage;
        return initArbitrary(desc).map((init) => ({
          method,
          wire: toBinary(desc, create(desc, init)),
        }));
      }),
    );
    let answered = 0;
    fc.assert(
      fc.property(request, headers, ({ method, wire }, metadata) => {
        const path = `${service}/${method}`;
        const onFast = answer(routes.fast.get(path) as Route, wire, metadata);
        expect(onFast).toEqual(answer(routes.jco.get(path) as Route, wire, metadata));
        if (typeof onFast !== "string") answered++;
      }),
      { numRuns: 1000 },
    );
    // An echo answers every request it can decode: the comparison is of answers, not failures.
    expect(answered).toBe(1000);
    // The componentize-js echo itself takes milliseconds a call on both paths (2,000 calls).
  }, 300_000);
});
