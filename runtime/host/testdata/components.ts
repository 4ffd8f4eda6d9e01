// The host's test components, built from this directory's sources into build/host-tests/ and
// rebuilt only when a source changes (the JavaScript one takes seconds).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { buildComponentCached, type ComponentSource } from "../../../src/build/index.ts";

const here = import.meta.dir;
const wit = join(here, "host-tests.wit");
const cabi = [join(here, "cabi.h")];

// The adder is the example's (foo.bar.AdderService), in WAT, C and JavaScript.
const adder = join(here, "..", "..", "..", "examples", "adder");
const adderWorld = { witPath: join(adder, "adder.wit"), world: "adder-service" };

export const testComponents = {
  "adder-wat": { language: "wat", sources: [join(adder, "adder.wat")], ...adderWorld },
  "adder-c": {
    language: "c",
    sources: [join(adder, "adder.c"), join(adder, "adder_service.c")],
    headers: [join(adder, "adder_service.h")],
    ...adderWorld,
  },
  "adder-js": { language: "js", sources: [join(here, "adder.js")], ...adderWorld },
  counter: {
    language: "wat",
    sources: [join(here, "counter.wat")],
    witPath: wit,
    world: "counter",
  },
  spinner: {
    language: "wat",
    sources: [join(here, "spinner.wat")],
    witPath: wit,
    world: "spinner",
  },
  "slow-start": {
    language: "wat",
    sources: [join(here, "slow-start.wat")],
    witPath: wit,
    world: "slow-start",
  },
  grower: { language: "wat", sources: [join(here, "grower.wat")], witPath: wit, world: "grower" },
  spy: { language: "wat", sources: [join(here, "spy.wat")], witPath: wit, world: "spy" },
  "env-echo": {
    language: "c",
    sources: [join(here, "env-echo.c")],
    headers: cabi,
    witPath: wit,
    world: "env-echo",
  },
  logger: {
    language: "c",
    sources: [join(here, "logger.c")],
    headers: cabi,
    witPath: wit,
    world: "logger",
  },
  escaper: {
    language: "c",
    sources: [join(here, "escaper.c")],
    headers: cabi,
    witPath: wit,
    world: "escaper",
  },
} satisfies Record<string, ComponentSource>;

export type TestComponentName = keyof typeof testComponents;

export const testComponentsDir = join(here, "..", "..", "..", "build", "host-tests");

export function testComponentPath(name: TestComponentName): string {
  return join(testComponentsDir, `${name}.wasm`);
}

/** Builds `name` if its sources changed, and returns its bytes. */
export async function testComponent(name: TestComponentName): Promise<Uint8Array> {
  await mkdir(testComponentsDir, { recursive: true });
  await buildComponentCached(testComponents[name], testComponentPath(name));
  return Bun.file(testComponentPath(name)).bytes();
}
