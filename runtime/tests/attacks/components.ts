// The attacking components, pushed as images that serve foo.bar.AdderService like the adder.
import { join } from "node:path";
import { adderMetadata } from "../../../examples/adder/metadata.ts";
import { buildComponent } from "../../../src/build/index.ts";
import { encodeMetadata } from "../../../src/metadata/index.ts";
import { componentName, parseDomainUuid, RUNTIME_HANDLER } from "../../../src/names/index.ts";
import { pushVimanaImage } from "../../../src/oci/index.ts";
import { type CriClient, criMethods } from "../../cri/index.ts";
import { type PushedImage, pushedImage } from "../vimanad.ts";

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
  return pushedImage(registry, domain, server, version);
}

/**
 * Starts a pod of an attacker's image with a CPU limit of one core, as a tenant's pod would
 * have (its calls may hold one worker at a time); resolves its address. No first call: an
 * attacker's calls fail by design.
 */
export async function startAttackerPod(cri: CriClient, image: PushedImage): Promise<string> {
  await cri.call(criMethods.PullImage, {
    image: image.imageSpec,
    sandbox_config: { labels: image.labels },
  });
  const { pod_sandbox_id } = await cri.call(criMethods.RunPodSandbox, {
    runtime_handler: RUNTIME_HANDLER,
    config: { metadata: { name: image.server, uid: crypto.randomUUID() }, labels: image.labels },
  });
  const sandbox = await cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id });
  const { container_id } = await cri.call(criMethods.CreateContainer, {
    pod_sandbox_id,
    config: {
      metadata: { name: "grpc", attempt: 1 },
      image: image.imageSpec,
      linux: { resources: { cpu_period: 100_000n, cpu_quota: 100_000n } },
    },
  });
  await cri.call(criMethods.StartContainer, { container_id });
  return sandbox.status?.network?.ip ?? "";
}
