// host-local IPAM with the real CNI plugin: the compiled vimanad runs inside a network
// namespace the test creates, puts pod addresses on a veth there, serves on them, and takes
// them away again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { criMethods } from "../cri/index.ts";
import { createNetns, type TestNetns } from "../ipam/testdata/netns.ts";
import {
  type ContainerdFixture,
  type RegistryFixture,
  startContainerd,
  startRegistry,
} from "./fixtures/index.ts";
import { type PushedImage, pushExample, startVimanad, type Vimanad } from "./vimanad.ts";

const SUBNET = "10.79.0.0/24";
const PORT = 8080;
const NETWORK = "vimana-test";

describe("host-local IPAM in a network namespace", () => {
  let containerd: ContainerdFixture;
  let registry: RegistryFixture;
  let netns: TestNetns;
  let vimanad: Vimanad;
  let image: PushedImage;
  let ipamDataDir: string;
  /** host-local's reservations: one file per address, named by it, in the network's directory. */
  const reserved = () =>
    readdirSync(join(ipamDataDir, NETWORK))
      .filter((name) => name.startsWith("10."))
      .sort();

  beforeAll(async () => {
    [containerd, registry] = await Promise.all([startContainerd(), startRegistry()]);
    netns = createNetns();
    for (const link of ["lo", netns.interface]) {
      Bun.spawnSync([...netns.ip, "link", "set", link, "up"]);
    }
    image = await pushExample(registry.host, "host-local", "1.0.0");
    ipamDataDir = await mkdtemp(join(tmpdir(), "vimana-ipam-"));
    // The registry listens on the host's loopback, out of the namespace's reach: a vimanad
    // outside pulls into the store the one inside then serves from.
    const imageStore = join(registry.dir, "vimanad-images");
    const puller = await startVimanad({
      downstream: containerd.socket,
      insecureRegistries: [registry.host],
      dataplanePort: PORT,
      imageStore,
    });
    try {
      await puller.cri.call(criMethods.PullImage, {
        image: image.imageSpec,
        sandbox_config: { labels: image.labels },
      });
    } finally {
      await puller.cleanUp();
    }
    vimanad = await startVimanad({
      imageStore,
      downstream: containerd.socket,
      insecureRegistries: [registry.host],
      dataplanePort: PORT,
      commandPrefix: netns.commandPrefix,
      // No --ipam-plugin: found where Debian puts it. Reservations in a directory of the test's.
      extraArgs: [
        "--ipam=host-local",
        `--ipam-data-dir=${ipamDataDir}`,
        `--ipam-network-name=${NETWORK}`,
        `--network-interface=${netns.interface}`,
        `--pod-ips=${SUBNET}`,
      ],
    });
  });
  afterAll(async () => {
    await vimanad?.cleanUp();
    netns?.remove();
    await rm(ipamDataDir, { recursive: true, force: true });
    await Promise.all([containerd?.stop(), registry?.stop()]);
  });

  /** AddFloats from inside the namespace, where the pod's address is. */
  const addFloatsInside = (ip: string) => {
    const script = `import { addFloats } from ${JSON.stringify(join(import.meta.dir, "vimanad.ts"))};
console.log(await addFloats(${JSON.stringify(ip)}, ${PORT}, 3.5, -1.2));`;
    const result = Bun.spawnSync([...netns.commandPrefix, process.execPath, "--eval", script]);
    if (!result.success) throw new Error(`AddFloats in ${netns.name}: ${result.stderr}`);
    return Number(result.stdout.toString().trim());
  };

  test("addresses come from the plugin, go on the interface, serve, and are released", async () => {
    const { cri } = vimanad;
    expect(netns.addresses()).toEqual([]);

    const pods = await Promise.all(
      [1, 2, 3].map(() =>
        cri.call(criMethods.RunPodSandbox, {
          runtime_handler: RUNTIME_HANDLER,
          config: { labels: image.labels },
        }),
      ),
    );
    const ips = await Promise.all(
      pods.map(async ({ pod_sandbox_id }) => {
        const status = await cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id });
        return status.status?.network?.ip ?? "";
      }),
    );
    expect(new Set(ips).size).toBe(3);
    for (const ip of ips) expect(ip.startsWith("10.79.0.")).toBe(true);
    expect(netns.addresses()).toEqual(ips.map((ip) => `${ip}/24`).sort());
    expect(reserved()).toEqual([...ips].sort());

    const served = pods[0]?.pod_sandbox_id ?? "";
    const container_id = `c-${served.slice(2)}`;
    await cri.call(criMethods.CreateContainer, {
      pod_sandbox_id: served,
      config: { metadata: { name: "grpc" }, image: image.imageSpec },
    });
    await cri.call(criMethods.StartContainer, { container_id });
    expect(addFloatsInside(ips[0] ?? "")).toBe(Math.fround(2.3));

    for (const { pod_sandbox_id } of pods) {
      await cri.call(criMethods.StopPodSandbox, { pod_sandbox_id });
      await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id });
    }
    expect(netns.addresses()).toEqual([]);
    expect(reserved()).toEqual([]);
  });
});
