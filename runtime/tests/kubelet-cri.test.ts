// What a real kubelet (and crictl) needs from vimanad, call by call as they make them, against
// the compiled vimanad with real containerd and a real registry: image calls without a runtime
// handler (a stock kubelet), a declared container port, container logs in kubelet's files,
// image IDs and references that agree between ImageStatus, ListImages and ContainerStatus,
// stats, and pull policy Always on an unchanged image.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, renameSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import {
  ContainerState,
  type CriCallError,
  type CriClient,
  createCriClient,
  criMethods,
  type ImageSpec,
} from "../cri/index.ts";
import type { RegistryFixture } from "./fixtures/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import {
  addFloats,
  type PushedImage,
  pushExample,
  type Stack,
  startStack,
  type Vimanad,
} from "./vimanad.ts";

describe("vimanad as kubelet drives it", () => {
  let registry: RegistryFixture;
  let vimanad: Vimanad;
  let cri: CriClient;
  let stack: Stack | undefined;
  let logDir: string;
  const port = freeLoopbackPort();

  beforeAll(async () => {
    stack = await startStack({ dataplanePort: port });
    ({ registry, vimanad } = stack);
    cri = vimanad.cri;
    logDir = await mkdtemp(join(tmpdir(), "vimana-pod-logs-"));
  });
  afterAll(async () => {
    await stack?.stop();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  /** An ImageSpec as a kubelet without RuntimeClassInImageCriApi sends it: no handler. */
  const stock = (image: string): ImageSpec => ({
    image,
    annotations: {},
    user_specified_image: "",
    runtime_handler: "",
    image_ref: "",
  });
  const reference = (image: PushedImage) => image.imageSpec.image;
  const repoDigest = (image: PushedImage) =>
    new RegExp(`^${registry.host}/${image.domain}/${image.server}@sha256:[0-9a-f]{64}$`);

  test("a stock kubelet's image calls: status, pull by the pod's labels, list, remove by ID", async () => {
    const image = await pushExample(registry.host, "stock", "1.0.0");
    // Before the pull: not in the store, so containerd answers (it has no such image either).
    const before = await cri.call(criMethods.ImageStatus, { image: stock(reference(image)) });
    expect(before.image).toBeNull();

    const pulled = await cri.call(criMethods.PullImage, {
      image: stock(reference(image)),
      sandbox_config: { labels: image.labels },
    });
    expect(pulled.image_ref).toBe(image.component);

    for (const name of [reference(image), image.component]) {
      const { image: found } = await cri.call(criMethods.ImageStatus, { image: stock(name) });
      expect(found?.id).toBe(image.component);
      expect(found?.repo_tags).toEqual([reference(image)]);
      expect(found?.repo_digests).toHaveLength(1);
      expect(found?.repo_digests[0]).toMatch(repoDigest(image));
      expect(found?.size).toBeGreaterThan(0n);
      expect(found?.pinned).toBe(false);
    }

    const listed = await cri.call(criMethods.ListImages, {});
    expect(listed.images.map((i) => i.id)).toContain(image.component);
    const filtered = await cri.call(criMethods.ListImages, {
      filter: { image: stock(reference(image)) },
    });
    expect(filtered.images.map((i) => i.id)).toEqual([image.component]);

    // kubelet's image GC removes by ID, with no handler.
    await cri.call(criMethods.RemoveImage, { image: stock(image.component) });
    const after = await cri.call(criMethods.ListImages, {});
    expect(after.images.map((i) => i.id)).not.toContain(image.component);
  });

  test("a pod with a declared containerPort, logs in kubelet's file, status and stats", async () => {
    const image = await pushExample(registry.host, "logging", "1.0.0", {
      example: "adder-logging-c",
    });
    await cri.call(criMethods.PullImage, {
      image: stock(reference(image)),
      sandbox_config: { labels: image.labels },
    });
    const podLogDir = join(logDir, "default_logging_uid-1");
    const { pod_sandbox_id } = await cri.call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: {
        metadata: { name: "logging", uid: "uid-1", namespace: "default" },
        labels: image.labels,
        log_directory: podLogDir,
        port_mappings: [{ protocol: 0, container_port: port, host_port: 0 }],
      },
    });
    const ip =
      (await cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id })).status?.network?.ip ?? "";
    // As kubelet creates it: the image by the ID ImageStatus gave, the pod spec's text beside.
    const { container_id } = await cri.call(criMethods.CreateContainer, {
      pod_sandbox_id,
      config: {
        metadata: { name: "grpc", attempt: 0 },
        image: { ...stock(image.component), user_specified_image: reference(image) },
        log_path: "grpc/0.log",
      },
    });
    await cri.call(criMethods.StartContainer, { container_id });
    expect(await addFloats(ip, port, 3.5, -1.2)).toBe(Math.fround(2.3));

    const { status } = await cri.call(criMethods.ContainerStatus, { container_id });
    expect(status?.state).toBe(ContainerState.CONTAINER_RUNNING);
    expect(status?.image?.image).toBe(reference(image));
    expect(status?.image_ref).toMatch(repoDigest(image));
    expect(status?.image_id).toBe(image.component);
    const logPath = join(podLogDir, "grpc", "0.log");
    expect(status?.log_path).toBe(logPath);
    const listed = await cri.call(criMethods.ListContainers, { filter: { id: container_id } });
    expect(listed.containers[0]?.image_ref).toBe(status?.image_ref ?? "");
    expect(listed.containers[0]?.image_id).toBe(image.component);

    const logLines = async (path: string, count: number) => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
        if (lines.length >= count || Date.now() > deadline) return lines;
        await Bun.sleep(20);
      }
    };
    const record =
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z stdout F AddFloats\(3\.5, -1\.2\) = 2\.3$/;
    expect(await logLines(logPath, 1)).toEqual([expect.stringMatching(record)]);

    // kubelet's rotation: rename, then ReopenContainerLog; the next line lands in a new file.
    renameSync(logPath, `${logPath}.1`);
    await cri.call(criMethods.ReopenContainerLog, { container_id });
    await addFloats(ip, port, 3.5, -1.2);
    expect(await logLines(logPath, 1)).toEqual([expect.stringMatching(record)]);
    expect(await logLines(`${logPath}.1`, 1)).toHaveLength(1);

    const { stats } = await cri.call(criMethods.ContainerStats, { container_id });
    expect(stats?.attributes?.id).toBe(container_id);
    const memory = stats?.memory?.working_set_bytes?.value ?? 0n;
    expect(memory).toBeGreaterThan(0n);
    expect(memory % 65536n).toBe(0n);
    const cpu = stats?.cpu?.usage_core_nano_seconds?.value ?? 0n;
    expect(cpu).toBeGreaterThan(0n);
    expect(stats?.cpu?.timestamp).toBeGreaterThan(0n);
    await addFloats(ip, port, 1, 2);
    const later = await cri.call(criMethods.ContainerStats, { container_id });
    expect(later.stats?.cpu?.usage_core_nano_seconds?.value ?? 0n).toBeGreaterThan(cpu);

    const all = await cri.call(criMethods.ListContainerStats, {});
    expect(all.stats.map((s) => s.attributes?.id)).toContain(container_id);
    const sandbox = await cri.call(criMethods.PodSandboxStats, { pod_sandbox_id });
    expect(sandbox.stats?.attributes?.id).toBe(pod_sandbox_id);
    // The pod's memory as its container's, read with no call in between (a call may land on a
    // worker that had no instance yet, so the earlier figure may have grown).
    expect(sandbox.stats?.linux?.memory?.working_set_bytes?.value).toBe(
      later.stats?.memory?.working_set_bytes?.value,
    );
    expect(sandbox.stats?.linux?.containers.map((c) => c.attributes?.id)).toEqual([container_id]);
    const sandboxes = await cri.call(criMethods.ListPodSandboxStats, {});
    expect(sandboxes.stats.map((s) => s.attributes?.id)).toContain(pod_sandbox_id);

    await cri.call(criMethods.StopContainer, { container_id, timeout: 1n });
    await cri.call(criMethods.RemoveContainer, { container_id });
    await cri.call(criMethods.StopPodSandbox, { pod_sandbox_id });
    await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id });
    const gone = await cri.call(criMethods.ListContainerStats, {});
    expect(gone.stats.map((s) => s.attributes?.id)).not.toContain(container_id);
    const goneSandboxes = await cri.call(criMethods.ListPodSandboxStats, {});
    expect(goneSandboxes.stats.map((s) => s.attributes?.id)).not.toContain(pod_sandbox_id);
  });

  test("methods vimanad does not model reach containerd: RuntimeConfig answers as containerd does", async () => {
    const direct = createCriClient(stack?.containerd.socket ?? "");
    try {
      const outcome = (call: Promise<unknown>) =>
        call.then(
          (value) => ({ value }),
          (error: CriCallError) => ({
            code: error.code,
            details: (error.cause as { details?: string }).details,
          }),
        );
      const [via, own] = await Promise.all([
        outcome(cri.call(criMethods.RuntimeConfig, {})),
        outcome(direct.call(criMethods.RuntimeConfig, {})),
      ]);
      // containerd 1.6 has no RuntimeConfig: kubelet then takes the cgroup driver from its own
      // config. Whatever containerd says, kubelet hears the same.
      expect(via).toEqual(own);
    } finally {
      direct.close();
    }
  });

  test("pull policy Always: an unchanged image is not downloaded again; a changed one is", async () => {
    const image = await pushExample(registry.host, "always", "1.0.0");
    const pull = () =>
      cri.call(criMethods.PullImage, {
        image: image.imageSpec,
        sandbox_config: { labels: image.labels },
      });
    const stored = join(
      vimanad.imageStore,
      image.domain,
      image.server,
      image.version,
      "component.wasm",
    );
    await pull();
    // A stored image is replaced by renaming a new directory into place: a new inode.
    const first = statSync(stored).ino;
    await pull();
    expect(statSync(stored).ino).toBe(first);
    await pushExample(registry.host, "always", "1.0.0", {
      domain: image.domain,
      example: "multiplier-wat",
    });
    await pull();
    expect(statSync(stored).ino).not.toBe(first);
  });
});
