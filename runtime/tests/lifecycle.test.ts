// The core path, as kubelet drives it: pull, run, create, start, a real gRPC call to the pod,
// stop and remove, against the compiled vimanad with real containerd and a real registry.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { ContainerState, CriCallError, criMethods } from "../cri/index.ts";
import type { RegistryFixture } from "./fixtures/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import { addFloats, pushExample, type Stack, startStack, type Vimanad } from "./vimanad.ts";

const nodeModules = join(import.meta.dir, "..", "..", "node_modules");

describe("vimanad core lifecycle", () => {
  let registry: RegistryFixture;
  let vimanad: Vimanad;
  let stack: Stack | undefined;
  const port = freeLoopbackPort();

  beforeAll(async () => {
    stack = await startStack({
      dataplanePort: port,
      // The executable must need no node_modules: in its own mount namespace the project's is
      // hidden under an empty tmpfs (the copy it runs from has none beside it either).
      commandPrefix: [
        "unshare",
        "--mount",
        "--propagation=private",
        "sh",
        "-c",
        `mount -t tmpfs none ${JSON.stringify(nodeModules)} && exec "$0" "$@"`,
      ],
    });
    ({ registry, vimanad } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test("pull, run, create, start, AddFloats, stop, remove", async () => {
    const { cri } = vimanad;
    const image = await pushExample(registry.host, "adder", "1.0.0");
    const pulled = await cri.call(criMethods.PullImage, {
      image: image.imageSpec,
      sandbox_config: { labels: image.labels },
    });
    expect(pulled.image_ref).toBe(image.component);

    const { pod_sandbox_id } = await cri.call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: {
        metadata: { name: "adder", uid: "u1", namespace: "default" },
        labels: image.labels,
      },
    });
    expect(pod_sandbox_id.startsWith(`p-${image.component}#`)).toBe(true);
    const sandbox = await cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id });
    const ip = sandbox.status?.network?.ip ?? "";
    expect(ip).toMatch(/^127\./);

    const { container_id } = await cri.call(criMethods.CreateContainer, {
      pod_sandbox_id,
      config: {
        metadata: { name: "grpc", attempt: 1 },
        image: image.imageSpec,
        envs: [{ key: "GREETING", value: Buffer.from("hello") }],
      },
    });
    expect(container_id).toBe(`c-${pod_sandbox_id.slice(2)}`);
    await cri.call(criMethods.StartContainer, { container_id });
    expect(await addFloats(ip, port, 3.5, -1.2)).toBe(Math.fround(2.3));

    const running = await cri.call(criMethods.ContainerStatus, { container_id });
    expect(running.status?.state).toBe(ContainerState.CONTAINER_RUNNING);
    // The repository digest, as containerd reports one; the image ID as ImageStatus gives it.
    expect(running.status?.image_ref).toMatch(
      new RegExp(`^${registry.host}/${image.domain}/${image.server}@sha256:[0-9a-f]{64}$`),
    );
    expect(running.status?.image_id).toBe(image.component);
    expect(running.status?.started_at).toBeGreaterThan(0n);

    await cri.call(criMethods.StopContainer, { container_id, timeout: 1n });
    const stopped = await cri.call(criMethods.ContainerStatus, { container_id });
    expect(stopped.status?.state).toBe(ContainerState.CONTAINER_EXITED);
    expect(stopped.status?.finished_at).toBeGreaterThan(0n);
    expect(stopped.status?.reason).toBe("Completed");
    const refused = await addFloats(ip, port, 1, 2).catch((error: { code: number }) => error);
    expect((refused as { code: number }).code).toBe(status.UNAVAILABLE);

    await cri.call(criMethods.RemoveContainer, { container_id });
    await cri.call(criMethods.StopPodSandbox, { pod_sandbox_id });
    await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id });
    const gone = await cri
      .call(criMethods.PodSandboxStatus, { pod_sandbox_id })
      .catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(CriCallError);
    expect((gone as CriCallError).code).toBe(status.NOT_FOUND);
    expect(vimanad.exited()).toBe(false);

    // One JSON line per event, each naming the component and the pod (ref §1.10).
    const podHex = pod_sandbox_id.split("#")[1];
    const events = vimanad
      .log()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, string>)
      .filter((line) => line.pod === podHex && line.level === "info")
      // Logged only when the component was still loading at StartContainer: timing.
      .filter((line) => line.msg !== "Waiting to start container");
    expect(events.map((line) => line.msg)).toEqual([
      "Successful pod initialization",
      "Successful container creation",
      "Container starting",
      "Successful container start",
      "Successful container stop",
      "Successful container removal",
      "Successful pod kill",
      `Successful IPAM deallocation: ${ip}`,
      "Successful pod deletion",
    ]);
    expect(events.every((line) => line.component === image.component)).toBe(true);
  });
});
