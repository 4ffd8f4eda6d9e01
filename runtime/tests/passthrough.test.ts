// Calls that are not Vimana's reach the downstream runtime exactly as kubelet sent them, and its
// answers come back exactly as it wrote them: against real containerd, and against a recording
// stand-in where the bytes themselves must be seen.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { type CriClient, createCriClient, criMessage, criMethods } from "../cri/index.ts";
import type { ContainerdFixture, RegistryFixture } from "./fixtures/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import { type StandIn, startStandIn } from "./standin.ts";
import { pushExample, type Stack, startStack, startVimanad, type Vimanad } from "./vimanad.ts";

/** Field 999, wire type 2 (length-delimited), carrying "future": unknown to every definition. */
const UNKNOWN_FIELD = Buffer.from([0xba, 0x3e, 6, ...Buffer.from("future")]);

describe("downstream passthrough (real containerd)", () => {
  let containerd: ContainerdFixture;
  let registry: RegistryFixture;
  let vimanad: Vimanad;
  let stack: Stack | undefined;
  let direct: CriClient;

  beforeAll(async () => {
    stack = await startStack({ dataplanePort: freeLoopbackPort() });
    ({ containerd, registry, vimanad } = stack);
    direct = createCriClient(containerd.socket);
  });
  afterAll(async () => {
    direct?.close();
    await stack?.stop();
  });

  test("Status is containerd's, vimanad being ready", async () => {
    const [via, own] = await Promise.all([
      vimanad.cri.call(criMethods.Status, {}),
      direct.call(criMethods.Status, {}),
    ]);
    expect(via.status?.conditions).toEqual(own.status?.conditions ?? []);
    expect(via.status?.conditions.map((c) => c.type)).toContain("RuntimeReady");
  });

  test("ListImages is containerd's", async () => {
    const [via, own] = await Promise.all([
      vimanad.cri.call(criMethods.ListImages, {}),
      direct.call(criMethods.ListImages, {}),
    ]);
    expect(via).toEqual(own);
  });

  test("ImageFsInfo puts the store first, then containerd's filesystems", async () => {
    const [via, own] = await Promise.all([
      vimanad.cri.call(criMethods.ImageFsInfo, {}),
      direct.call(criMethods.ImageFsInfo, {}),
    ]);
    expect(via.image_filesystems[0]?.fs_id?.mountpoint).toBe(vimanad.imageStore);
    const strip = (fs: (typeof own.image_filesystems)[number]) => ({ ...fs, timestamp: 0n });
    expect(via.image_filesystems.slice(1).map((fs) => strip(fs).fs_id)).toEqual(
      own.image_filesystems.map((fs) => strip(fs).fs_id),
    );
    expect(via.container_filesystems.map((fs) => fs.fs_id)).toEqual(
      own.container_filesystems.map((fs) => fs.fs_id),
    );
  });

  test("ListPodSandbox merges containerd's answer with Vimana pods", async () => {
    const image = await pushExample(registry.host, "merge", "1.0.0");
    await vimanad.cri.call(criMethods.PullImage, {
      image: image.imageSpec,
      sandbox_config: { labels: image.labels },
    });
    const { pod_sandbox_id } = await vimanad.cri.call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: { labels: image.labels },
    });
    const [via, own] = await Promise.all([
      vimanad.cri.call(criMethods.ListPodSandbox, {}),
      direct.call(criMethods.ListPodSandbox, {}),
    ]);
    expect(via.items.slice(0, own.items.length)).toEqual(own.items);
    expect(via.items.slice(own.items.length).map((item) => item.id)).toEqual([pod_sandbox_id]);
    await vimanad.cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id });
  });

  test("a downstream ID that vimanad never saw goes to containerd, with its real error", async () => {
    const request = { pod_sandbox_id: "0123456789abcdef" };
    const [via, own] = await Promise.all([
      vimanad.cri.call(criMethods.PodSandboxStatus, request).catch((error: Error) => error),
      direct.call(criMethods.PodSandboxStatus, request).catch((error: Error) => error),
    ]);
    const details = (error: unknown) => (error as { cause: { details: string } }).cause.details;
    expect(details(via)).toBe(details(own));
  });
});

describe("downstream passthrough (bytes, recording stand-in)", () => {
  let standIn: StandIn;
  let vimanad: Vimanad;

  beforeAll(async () => {
    standIn = await startStandIn();
    vimanad = await startVimanad({ downstream: standIn.socket, dataplanePort: freeLoopbackPort() });
  });
  afterAll(async () => {
    await vimanad?.cleanUp();
    await standIn?.stop();
  });

  test("a request field unknown to vimanad reaches downstream intact, and so does the answer", async () => {
    const known = criMessage<{ runtime_handler: string }>("RunPodSandboxRequest").encode({
      runtime_handler: "runc",
    });
    const request = Buffer.concat([known, UNKNOWN_FIELD]);
    const answer = Buffer.concat([
      criMessage<{ pod_sandbox_id: string }>("RunPodSandboxResponse").encode({
        pod_sandbox_id: "downstream-pod",
      }),
      UNKNOWN_FIELD,
    ]);
    standIn.answerNext("RunPodSandbox", answer);
    // A client that sends and receives raw bytes, as a newer kubelet would look to vimanad.
    const raw = createCriClient(vimanad.socket);
    try {
      const rawMethod = {
        path: criMethods.RunPodSandbox.path,
        request: {
          encode: (bytes: Buffer) => bytes,
          decode: (bytes: Uint8Array) => Buffer.from(bytes),
        },
        response: {
          encode: (bytes: Buffer) => bytes,
          decode: (bytes: Uint8Array) => Buffer.from(bytes),
        },
      };
      const before = standIn.calls.length;
      const response = await raw.call(rawMethod, request);
      const received = standIn.calls.slice(before);
      expect(received.map((call) => call.path)).toEqual([criMethods.RunPodSandbox.path]);
      expect(received[0]?.request).toEqual(request);
      expect(response).toEqual(answer);
    } finally {
      raw.close();
    }
  });

  test("an ID downstream handed out routes downstream even if it looks like Vimana's", async () => {
    const id = "p-looks-like-vimana";
    standIn.answerNext(
      "RunPodSandbox",
      criMessage<{ pod_sandbox_id: string }>("RunPodSandboxResponse").encode({
        pod_sandbox_id: id,
      }),
    );
    await vimanad.cri.call(criMethods.RunPodSandbox, { runtime_handler: "runc" });
    standIn.answerNext("StopPodSandbox", new Uint8Array());
    const before = standIn.calls.length;
    await vimanad.cri.call(criMethods.StopPodSandbox, { pod_sandbox_id: id });
    expect(standIn.calls.slice(before).map((call) => call.path)).toEqual([
      criMethods.StopPodSandbox.path,
    ]);
  });
});
