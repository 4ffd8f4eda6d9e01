// Bad input through CRI: each answer has the documented status and message, and vimanad stays
// up. Against the compiled vimanad with real containerd downstream.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { ContainerState, type CriCallError, type CriClient, criMethods } from "../cri/index.ts";
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

async function failure(call: Promise<unknown>): Promise<{ code: number; details: string }> {
  const error = await call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: CriCallError) => error,
  );
  return { code: error.code, details: (error.cause as { details: string }).details };
}

describe("bad input through CRI", () => {
  let registry: RegistryFixture;
  let vimanad: Vimanad;
  let stack: Stack | undefined;
  let cri: CriClient;
  let image: PushedImage;
  const port = freeLoopbackPort();

  beforeAll(async () => {
    stack = await startStack({ dataplanePort: port });
    ({ registry, vimanad } = stack);
    cri = vimanad.cri;
    image = await pushExample(registry.host, "bad-input", "1.0.0");
    await cri.call(criMethods.PullImage, {
      image: image.imageSpec,
      sandbox_config: { labels: image.labels },
    });
  });
  afterAll(async () => {
    expect(vimanad.exited()).toBe(false);
    await stack?.stop();
  });

  const run = (labels: Record<string, string>, extra: object = {}) =>
    cri.call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: { labels, ...extra },
    });
  const internal = (details: string) => ({ code: status.INTERNAL, details });
  const create = (pod_sandbox_id: string, extra: object = {}) =>
    cri.call(criMethods.CreateContainer, {
      pod_sandbox_id,
      config: { metadata: { name: "grpc", attempt: 1 }, image: image.imageSpec, ...extra },
    });

  test("malformed labels", async () => {
    const { "vimana.host/version": _, ...noVersion } = image.labels;
    expect(await failure(run(noVersion))).toEqual(
      internal("Invalid pod labels: Missing required version label"),
    );
    expect(await failure(run({}))).toEqual(
      internal("Invalid pod labels: Missing required domain label"),
    );
    const badDomain = await failure(run({ ...image.labels, "vimana.host/domain": "not-hex" }));
    expect(badDomain.code).toBe(status.INTERNAL);
    expect(badDomain.details.startsWith("Invalid pod labels: ")).toBe(true);
  });

  test("port mappings: the served port may be declared; host ports, other ports and UDP are refused", async () => {
    const invalid = (details: string) => ({
      code: status.INVALID_ARGUMENT,
      details: `Unsupported port mapping: ${details}`,
    });
    expect(
      await failure(
        run(image.labels, { port_mappings: [{ container_port: port, host_port: 8080 }] }),
      ),
    ).toEqual(
      invalid(
        `host port 8080 (container port ${port}): host ports are unsupported; a Vimana pod serves on its own address`,
      ),
    );
    expect(
      await failure(run(image.labels, { port_mappings: [{ container_port: port + 1 }] })),
    ).toEqual(invalid(`container port ${port + 1}: a Vimana pod serves on port ${port} only`));
    expect(
      await failure(run(image.labels, { port_mappings: [{ container_port: port, protocol: 1 }] })),
    ).toEqual(invalid(`container port ${port}: only TCP is served, not protocol 1`));
    // What kubelet sends for `ports: [{containerPort: <served port>}]`: host_port 0, no host port.
    const { pod_sandbox_id } = await run(image.labels, {
      port_mappings: [{ container_port: port, host_port: 0, protocol: 0 }],
    });
    await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id });
  });

  test("image annotations", async () => {
    const { pod_sandbox_id } = await run(image.labels);
    const answer = await failure(
      create(pod_sandbox_id, { image: { ...image.imageSpec, annotations: { a: "b" } } }),
    );
    expect(answer).toEqual(internal("Image spec annotations are unsupported"));
    await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id });
  });

  test("unknown and malformed IDs", async () => {
    const unknownPod = `${image.component}#ffff`;
    expect(
      await failure(cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id: `p-${unknownPod}` })),
    ).toEqual({
      code: status.NOT_FOUND,
      details: unknownPod,
    });
    expect(
      await failure(cri.call(criMethods.ContainerStatus, { container_id: `c-${unknownPod}` })),
    ).toEqual({
      code: status.NOT_FOUND,
      details: unknownPod,
    });
    expect(
      await failure(cri.call(criMethods.StartContainer, { container_id: `c-${unknownPod}` })),
    ).toEqual(internal("Container not found"));
    expect(await failure(create(`p-${unknownPod}`))).toEqual(internal("Pod not found"));
    expect(
      await failure(cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id: "p-garbage" })),
    ).toEqual(internal("Invalid pod sandbox ID"));
    expect(
      await failure(cri.call(criMethods.StopContainer, { container_id: "c-garbage" })),
    ).toEqual(internal("Invalid container ID"));
    // Changed (CRI spec): stopping and removing an unknown sandbox succeed.
    await cri.call(criMethods.StopPodSandbox, { pod_sandbox_id: `p-${unknownPod}` });
    await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id: `p-${unknownPod}` });
  });

  test("illegal transitions", async () => {
    const { pod_sandbox_id } = await run(image.labels);
    const container_id = `c-${pod_sandbox_id.slice(2)}`;
    expect(await failure(cri.call(criMethods.StartContainer, { container_id }))).toEqual(
      internal("Bad prior state: Initiated"),
    );
    await create(pod_sandbox_id);
    expect(await failure(cri.call(criMethods.RemoveContainer, { container_id }))).toEqual(
      internal("Bad prior state: Created"),
    );
    expect(await failure(cri.call(criMethods.StopContainer, { container_id }))).toEqual(
      internal("Bad prior state: Created"),
    );
    expect(await failure(create(pod_sandbox_id, { labels: { other: "labels" } }))).toEqual(
      internal("Container cannot be recreated with different parameters"),
    );
    expect(await failure(cri.call(criMethods.ExecSync, { container_id }))).toEqual({
      code: status.UNIMPLEMENTED,
      details: "ExecSync is not supported for Vimana pods",
    });
    expect(await failure(cri.call(criMethods.PortForward, { pod_sandbox_id }))).toEqual({
      code: status.UNIMPLEMENTED,
      details: "PortForward is not supported for Vimana pods",
    });
    await cri.call(criMethods.StopPodSandbox, { pod_sandbox_id });
    expect(await failure(create(pod_sandbox_id))).toEqual(internal("Bad prior state: Killed"));
    await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id });
  });

  test("fixed transitions: restart from Stopped; idempotent create keeps a pod running", async () => {
    const { pod_sandbox_id } = await run(image.labels);
    const container_id = `c-${pod_sandbox_id.slice(2)}`;
    const ip =
      (await cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id })).status?.network?.ip ?? "";
    await create(pod_sandbox_id);
    await cri.call(criMethods.StartContainer, { container_id });
    // Changed: the original reset a running pod to Created here.
    await create(pod_sandbox_id, { metadata: { name: "grpc", attempt: 2 } });
    const state = async () =>
      (await cri.call(criMethods.ContainerStatus, { container_id })).status?.state;
    expect(await state()).toBe(ContainerState.CONTAINER_RUNNING);
    await cri.call(criMethods.StopContainer, { container_id, timeout: 0n });
    expect(await state()).toBe(ContainerState.CONTAINER_EXITED);
    // Changed: the original answered "Restarting a stopped container is not yet implemented".
    await cri.call(criMethods.StartContainer, { container_id });
    expect(await state()).toBe(ContainerState.CONTAINER_RUNNING);
    expect(await addFloats(ip, port, 1.5, 2)).toBe(3.5);
    // Changed (CRI spec): removing a running sandbox stops it first.
    await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id });
    const refused = await addFloats(ip, port, 1, 1).then(
      () => undefined,
      (error: { code: number }) => error.code,
    );
    expect(refused).toBe(status.UNAVAILABLE);
  });

  test("image requests", async () => {
    const other = await failure(
      cri.call(criMethods.PullImage, {
        image: image.imageSpec,
        sandbox_config: { labels: { ...image.labels, "vimana.host/version": "9.9.9" } },
      }),
    );
    expect(other.code).toBe(status.INTERNAL);
    expect(other.details.startsWith("Pod label mismatch: ")).toBe(true);
    const malformed = await failure(
      cri.call(criMethods.ImageStatus, {
        image: { image: "no-slashes", runtime_handler: RUNTIME_HANDLER },
      }),
    );
    expect(malformed).toEqual(internal('Invalid image ID: "no-slashes"'));
    // Changed (CRI spec): removing an absent image succeeds.
    const domain = crypto.randomUUID().replaceAll("-", "");
    await cri.call(criMethods.RemoveImage, {
      image: { image: `${registry.host}/${domain}/absent:1.0.0`, runtime_handler: RUNTIME_HANDLER },
    });
  });

  test("oversized labels and annotations: INVALID_ARGUMENT naming the key, for any runtime handler; List calls unharmed", async () => {
    const huge = "x".repeat(300 * 1024);
    const invalid = (details: string) => ({ code: status.INVALID_ARGUMENT, details });
    expect(await failure(run(image.labels, { annotations: { "example.com/blob": huge } }))).toEqual(
      invalid(
        `pod sandbox annotations exceed 262144 bytes in total at key "example.com/blob" (value of ${huge.length} bytes)`,
      ),
    );
    const manyLabels = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [`example.com/l${i}`, "y".repeat(60 * 1024)]),
    );
    expect(await failure(run({ ...image.labels, ...manyLabels }))).toEqual(
      invalid(
        `pod sandbox labels exceed 262144 bytes in total at key "example.com/l4" (value of ${60 * 1024} bytes)`,
      ),
    );
    const longKey = `${"k".repeat(400)}`;
    const keyProblem = await failure(run({ ...image.labels, [longKey]: "v" }));
    expect(keyProblem.code).toBe(status.INVALID_ARGUMENT);
    expect(keyProblem.details).toContain("a key may have at most 317");
    // Refused before it reaches containerd, too.
    const proxied = await failure(
      cri.call(criMethods.RunPodSandbox, {
        config: {
          metadata: { name: "huge", namespace: "default", uid: "u-huge" },
          annotations: { "example.com/blob": huge },
        },
      }),
    );
    expect(proxied.code).toBe(status.INVALID_ARGUMENT);
    const sandbox = (
      await cri.call(criMethods.RunPodSandbox, {
        runtime_handler: RUNTIME_HANDLER,
        config: { labels: image.labels },
      })
    ).pod_sandbox_id;
    const container = await failure(create(sandbox, { annotations: { "example.com/blob": huge } }));
    expect(container.code).toBe(status.INVALID_ARGUMENT);
    expect(container.details.startsWith("container annotations exceed 262144 bytes")).toBe(true);
    const listed = await cri.call(criMethods.ListPodSandbox, {});
    expect(listed.items.some((item) => item.id === sandbox)).toBe(true);
    await cri.call(criMethods.StopPodSandbox, { pod_sandbox_id: sandbox });
    await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id: sandbox });
  });

  test("vimanad is still up", async () => {
    expect((await cri.call(criMethods.Version, {})).runtime_name).toBe("vimana");
    expect(vimanad.exited()).toBe(false);
  });
});
