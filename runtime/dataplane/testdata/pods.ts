// Pods and servers for the data plane's tests and benchmark: the examples (adder, multiplier)
// built with their Metadata, and the tester component (tester.wat) with its own.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { buildExamples } from "../../../examples/build.ts";
import { builtPath, exampleComponents, metadataPath } from "../../../examples/index.ts";
import { buildComponentCached } from "../../../src/build/index.ts";
import {
  decodeMetadata,
  type Field,
  GrpcArity,
  type Metadata,
  ScalarCoding,
} from "../../../src/metadata/index.ts";
import type { ComponentHost, Pod } from "../../host/index.ts";

export interface LoadedPod {
  pod: Pod;
  metadata: Metadata;
  exports: readonly string[];
}

/** A pod of a built example (`adder-wat`, `multiplier-wat`, …) with the example's Metadata. */
export async function examplePod(
  host: ComponentHost,
  name: string,
  podName = `${name}-pod`,
): Promise<LoadedPod> {
  const example = exampleComponents.find((e) => e.name === name);
  if (!example) throw new Error(`no example ${name}`);
  const [result] = await buildExamples({ only: [name] });
  if (result?.outcome === "failed") throw result.error;
  const component = await host.load(await Bun.file(builtPath(example)).bytes(), { name });
  return {
    pod: component.createPod({ name: podName }),
    metadata: decodeMetadata(await Bun.file(metadataPath(example)).bytes()),
    exports: component.exports,
  };
}

const here = import.meta.dir;
const testerPath = join(here, "..", "..", "..", "build", "dataplane-tests", "tester.wasm");

const blob: Field = {
  number: 0,
  name: "",
  subfields: [
    { number: 1, name: "data", subfields: [], coding: { scalar: ScalarCoding.BYTES_IMPLICIT } },
  ],
};

/** `vimana.test.Tester`: Double, Fail and Spin, each `Blob { bytes data = 1; }` both ways. */
export const testerMetadata: Metadata = {
  services: [
    {
      name: "vimana.test.Tester",
      methods: new Map(
        ["double", "fail", "spin"].map((fn) => [
          fn.charAt(0).toUpperCase() + fn.slice(1),
          { function: fn, arity: GrpcArity.UNARY, request: blob, response: blob },
        ]),
      ),
    },
  ],
};

/** A pod of the tester component; `fuelPerCall` bounds Spin. */
export async function testerPod(host: ComponentHost, fuelPerCall: number): Promise<LoadedPod> {
  await mkdir(join(testerPath, ".."), { recursive: true });
  await buildComponentCached(
    {
      language: "wat",
      sources: [join(here, "tester.wat")],
      witPath: join(here, "tester.wit"),
      world: "tester",
    },
    testerPath,
  );
  const component = await host.load(await Bun.file(testerPath).bytes(), { name: "tester" });
  return {
    pod: component.createPod({ name: "tester-pod", fuelPerCall }),
    metadata: testerMetadata,
    exports: component.exports,
  };
}
