// The attacking components, pushed as images that serve foo.bar.AdderService like the adder.
import { join } from "node:path";
import { adderMetadata } from "../../../examples/adder/metadata.ts";
import { buildComponent } from "../../../src/build/index.ts";
import { encodeMetadata } from "../../../src/metadata/index.ts";
import {
  componentName,
  LABEL_DOMAIN,
  LABEL_SERVER,
  LABEL_VERSION,
  parseDomainUuid,
  RUNTIME_HANDLER,
} from "../../../src/names/index.ts";
import { pushVimanaImage } from "../../../src/oci/index.ts";
import type { PushedImage } from "../vimanad.ts";

/** `spinning`: each call spins until its CPU budget is spent; `growing`: grows memory one page at a time to the cap. */
export type Attacker = "spinning" | "growing";

const adderWorld = {
  witPath: join(import.meta.dir, "../../../examples/adder/adder.wit"),
  world: "adder-service",
};

/** Builds the attacker and pushes it as `<registry>/<random domain>/<attacker>:1.0.0`. */
export async function pushAttacker(registry: string, attacker: Attacker): Promise<PushedImage> {
  const componentBytes = await buildComponent({
    language: "wat",
    sources: [join(import.meta.dir, `${attacker}-adder.wat`)],
    ...adderWorld,
  });
  const domain = crypto.randomUUID().replaceAll("-", "");
  const server = `${attacker}-adder`;
  const version = "1.0.0";
  await pushVimanaImage({
    registry,
    insecure: true,
    component: componentName(parseDomainUuid(domain), server, version),
    componentBytes,
    metadataBytes: encodeMetadata(adderMetadata),
  });
  return {
    domain,
    server,
    version,
    component: `${domain}:${server}@${version}`,
    labels: { [LABEL_DOMAIN]: domain, [LABEL_SERVER]: server, [LABEL_VERSION]: version },
    imageSpec: {
      image: `${registry}/${domain}/${server}:${version}`,
      annotations: {},
      user_specified_image: "",
      runtime_handler: RUNTIME_HANDLER,
      image_ref: "",
    },
  };
}
