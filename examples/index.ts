import { join } from "node:path";
import type { ComponentSource } from "../src/build/index.ts";
import type { Metadata } from "../src/metadata/index.ts";
import { adderMetadata } from "./adder/metadata.ts";

/** One buildable implementation of an example service. */
export interface ExampleComponent extends ComponentSource {
  /** Unique name; the built component is `<outDir>/<name>.wasm`. */
  name: string;
  /** The `.proto` that defines the service it implements. */
  proto: string;
  /** How vimanad serves it; written as `<outDir>/<name>.metadata.binpb`. */
  metadata: Metadata;
}

const here = import.meta.dir;
const adderWorld = { witPath: join(here, "adder/adder.wit"), world: "adder-service" };
const adderProto = join(here, "adder/adder.proto");
const adderBindings = {
  sources: [join(here, "adder/adder_service.c")],
  headers: [join(here, "adder/adder_service.h")],
};

/** Every example implementation: `foo.bar.AdderService` added (adder) and multiplied. */
export const exampleComponents: readonly ExampleComponent[] = [
  {
    name: "adder-wat",
    language: "wat",
    sources: [join(here, "adder/adder.wat")],
    proto: adderProto,
    metadata: adderMetadata,
    ...adderWorld,
  },
  {
    name: "adder-c",
    language: "c",
    sources: [join(here, "adder/adder.c"), ...adderBindings.sources],
    headers: adderBindings.headers,
    proto: adderProto,
    metadata: adderMetadata,
    ...adderWorld,
  },
  {
    // Prints a line per call: what the kubelet tests read back with `kubectl logs`.
    name: "adder-logging-c",
    language: "c",
    sources: [join(here, "adder/adder-logging.c"), ...adderBindings.sources],
    headers: adderBindings.headers,
    proto: adderProto,
    metadata: adderMetadata,
    ...adderWorld,
  },
  {
    name: "multiplier-wat",
    language: "wat",
    sources: [join(here, "multiplier/multiplier.wat")],
    proto: adderProto,
    metadata: adderMetadata,
    ...adderWorld,
  },
  {
    name: "multiplier-c",
    language: "c",
    sources: [join(here, "multiplier/multiplier.c"), ...adderBindings.sources],
    headers: adderBindings.headers,
    proto: adderProto,
    metadata: adderMetadata,
    ...adderWorld,
  },
];

/** Where `bun run build:examples` writes components (ignored by git). */
export const examplesOutDir = join(here, "..", "build", "examples");

export function builtPath(example: ExampleComponent): string {
  return join(examplesOutDir, `${example.name}.wasm`);
}

/** The example's binary Metadata (`work.runtime.Metadata`), beside the component. */
export function metadataPath(example: ExampleComponent): string {
  return join(examplesOutDir, `${example.name}.metadata.binpb`);
}
