// The example components e2e deploys, built (build/examples/) and pushed to the cluster's
// registry under the component name a Component's image names.
import { readFileSync } from "node:fs";
import { buildExamples } from "../examples/build.ts";
import { builtPath, exampleComponents, metadataPath } from "../examples/index.ts";
import { componentName, parseDomainUuid } from "../src/names/index.ts";
import { pushVimanaImage } from "../src/oci/index.ts";

/** `example` (e.g. adder-wat) as `<registry>/<domain>/<server>:<version>`; resolves that reference. */
export async function pushExample(options: {
  readonly registry: string;
  readonly insecure: boolean;
  readonly example: string;
  readonly domain: string;
  readonly server: string;
  readonly version: string;
}): Promise<string> {
  const example = exampleComponents.find((e) => e.name === options.example);
  if (example === undefined) throw new Error(`no example component ${options.example}`);
  const [result] = await buildExamples({ only: [example.name] });
  if (result?.outcome === "failed") throw new Error(`building the example ${example.name} failed`);
  await pushVimanaImage({
    registry: options.registry,
    insecure: options.insecure,
    component: componentName(parseDomainUuid(options.domain), options.server, options.version),
    componentBytes: new Uint8Array(readFileSync(builtPath(example))),
    metadataBytes: new Uint8Array(readFileSync(metadataPath(example))),
  });
  return `${options.registry}/${options.domain}/${options.server}:${options.version}`;
}
