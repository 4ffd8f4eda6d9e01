// The original's list-test.py (ref §6.4), case by case, against the compiled vimanad with real
// containerd downstream. The two IncludeDownstream cases need downstream pods that containerd
// cannot run here (no pause image offline), so they use a second vimanad in front of a recording
// stand-in, as the original used a mock.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import {
  ContainerState,
  type CriClient,
  criMessage,
  criMethods,
  type Input,
  type ListContainersRequest,
  type ListPodSandboxRequest,
  PodSandboxState,
} from "../cri/index.ts";
import {
  type ContainerdFixture,
  type RegistryFixture,
  startContainerd,
  startRegistry,
} from "./fixtures/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import { type StandIn, startStandIn } from "./standin.ts";
import { type PushedImage, pushExample, startVimanad, type Vimanad } from "./vimanad.ts";

const TEST_TIMEOUT_NS = 60_000_000_000n;

interface Staged {
  foo: PushedImage;
  bar: PushedImage;
  /** Pod sandbox IDs by phase. */
  pods: Record<
    "initiated" | "created" | "running" | "stopped" | "removed" | "killed" | "bar",
    string
  >;
  metadata: Map<string, { name: string; uid: string; namespace: string; attempt: number }>;
}

/** The original's setup: six foo pods, one per phase, and one bar pod in Created. */
async function stage(cri: CriClient, foo: PushedImage, bar: PushedImage): Promise<Staged> {
  for (const image of [foo, bar]) {
    await cri.call(criMethods.PullImage, {
      image: image.imageSpec,
      sandbox_config: { labels: image.labels },
    });
  }
  const metadata = new Map<
    string,
    { name: string; uid: string; namespace: string; attempt: number }
  >();
  const run = async (image: PushedImage) => {
    const meta = {
      name: crypto.randomUUID().replaceAll("-", ""),
      uid: crypto.randomUUID().replaceAll("-", ""),
      namespace: "default",
      attempt: 1,
    };
    const { pod_sandbox_id } = await cri.call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: { metadata: meta, labels: image.labels },
    });
    metadata.set(pod_sandbox_id, meta);
    return pod_sandbox_id;
  };
  const create = async (image: PushedImage) => {
    const pod_sandbox_id = await run(image);
    await cri.call(criMethods.CreateContainer, {
      pod_sandbox_id,
      config: {
        metadata: { name: "grpc", attempt: 1 },
        image: image.imageSpec,
        labels: image.labels,
      },
    });
    return pod_sandbox_id;
  };
  const containerOf = (podId: string) => `c-${podId.slice(2)}`;
  const initiated = await run(foo);
  const created = await create(foo);
  const running = await create(foo);
  await cri.call(criMethods.StartContainer, { container_id: containerOf(running) });
  const stopped = await create(foo);
  await cri.call(criMethods.StartContainer, { container_id: containerOf(stopped) });
  await cri.call(criMethods.StopContainer, { container_id: containerOf(stopped) });
  const removed = await create(foo);
  await cri.call(criMethods.StartContainer, { container_id: containerOf(removed) });
  await cri.call(criMethods.StopContainer, { container_id: containerOf(removed) });
  await cri.call(criMethods.RemoveContainer, { container_id: containerOf(removed) });
  const killed = await create(foo);
  await cri.call(criMethods.StopPodSandbox, { pod_sandbox_id: killed });
  const barPod = await create(bar);
  return {
    foo,
    bar,
    pods: { initiated, created, running, stopped, removed, killed, bar: barPod },
    metadata,
  };
}

function sane(createdAt: bigint): boolean {
  const now = BigInt(Date.now()) * 1_000_000n;
  return createdAt > now - TEST_TIMEOUT_NS && createdAt < now + TEST_TIMEOUT_NS;
}

describe("list-test.py", () => {
  let containerd: ContainerdFixture;
  let registry: RegistryFixture;
  let standIn: StandIn;
  let vimanad: Vimanad;
  let mocked: Vimanad;
  let staged: Staged;
  let stagedMocked: Staged;

  beforeAll(async () => {
    [containerd, registry, standIn] = await Promise.all([
      startContainerd(),
      startRegistry(),
      startStandIn(),
    ]);
    const insecureRegistries = [registry.host];
    [vimanad, mocked] = await Promise.all([
      startVimanad({
        downstream: containerd.socket,
        insecureRegistries,
        dataplanePort: freeLoopbackPort(),
      }),
      startVimanad({
        downstream: standIn.socket,
        insecureRegistries,
        dataplanePort: freeLoopbackPort(),
      }),
    ]);
    const foo = await pushExample(registry.host, "adder-server", "1.2.3");
    const bar = await pushExample(registry.host, "another-adder-server", "0.0.0");
    staged = await stage(vimanad.cri, foo, bar);
    stagedMocked = await stage(mocked.cri, foo, bar);
  });
  afterAll(async () => {
    await Promise.all([vimanad?.cleanUp(), mocked?.cleanUp()]);
    await Promise.all([containerd?.stop(), registry?.stop(), standIn?.stop()]);
  });

  const sandboxes = async (filter?: Input<ListPodSandboxRequest>["filter"]) =>
    (await vimanad.cri.call(criMethods.ListPodSandbox, { filter })).items;
  const containers = async (filter?: Input<ListContainersRequest>["filter"]) =>
    (await vimanad.cri.call(criMethods.ListContainers, { filter })).containers;
  const fooDomain = () => ({ "vimana.host/domain": staged.foo.domain });

  test("test_ListPodSandbox_NoFilter", async () => {
    const items = await sandboxes();
    expect(items).toHaveLength(7);
    for (const item of items) {
      expect(item.metadata).toEqual(staged.metadata.get(item.id) ?? null);
      const killed = item.id === staged.pods.killed;
      expect(item.state).toBe(
        killed ? PodSandboxState.SANDBOX_NOTREADY : PodSandboxState.SANDBOX_READY,
      );
      expect(sane(item.created_at)).toBe(true);
      const image = item.id === staged.pods.bar ? staged.bar : staged.foo;
      expect(item.labels).toEqual(image.labels);
      expect(item.annotations).toEqual({});
      expect(item.runtime_handler).toBe(RUNTIME_HANDLER);
    }
  });

  test("test_ListContainers_NoFilter", async () => {
    const items = await containers();
    const { created, running, stopped, bar } = staged.pods;
    const expected = new Map([
      [created, ContainerState.CONTAINER_CREATED],
      [running, ContainerState.CONTAINER_RUNNING],
      [stopped, ContainerState.CONTAINER_EXITED],
      [bar, ContainerState.CONTAINER_CREATED],
    ]);
    expect(items).toHaveLength(4);
    for (const item of items) {
      expect(item.state).toBe(expected.get(item.pod_sandbox_id) as number);
      expect(item.id).toBe(`c-${item.pod_sandbox_id.slice(2)}`);
      expect(item.metadata).toEqual({ name: "grpc", attempt: 1 });
      const image = item.pod_sandbox_id === bar ? staged.bar : staged.foo;
      expect(item.image).toEqual(image.imageSpec);
      // Changed: the image's repository digest and ID instead of "TODO" (ref §11, issue #6).
      expect(item.image_ref).toMatch(
        new RegExp(`^${registry.host}/${image.domain}/${image.server}@sha256:[0-9a-f]{64}$`),
      );
      expect(item.image_id).toBe(image.component);
      expect(sane(item.created_at)).toBe(true);
      expect(item.labels).toEqual(image.labels);
      expect(item.annotations).toEqual({});
    }
  });

  test("test_ListPodSandbox_FilterById", async () => {
    const items = await sandboxes({ id: staged.pods.removed });
    expect(items.map((item) => item.id)).toEqual([staged.pods.removed]);
  });

  test("test_ListContainers_FilterById", async () => {
    const id = `c-${staged.pods.running.slice(2)}`;
    expect((await containers({ id })).map((item) => item.id)).toEqual([id]);
  });

  test("test_ListPodSandbox_FilterByStateReady", async () => {
    expect(await sandboxes({ state: { state: PodSandboxState.SANDBOX_READY } })).toHaveLength(6);
  });

  test("test_ListPodSandbox_FilterByStateNotready", async () => {
    const items = await sandboxes({ state: { state: PodSandboxState.SANDBOX_NOTREADY } });
    expect(items.map((item) => item.id)).toEqual([staged.pods.killed]);
  });

  test("test_ListContainers_FilterByStateCreated", async () => {
    const items = await containers({ state: { state: ContainerState.CONTAINER_CREATED } });
    expect(items.map((item) => item.pod_sandbox_id).sort()).toEqual(
      [staged.pods.created, staged.pods.bar].sort(),
    );
  });

  test("test_ListContainers_FilterByStateRunning", async () => {
    const items = await containers({ state: { state: ContainerState.CONTAINER_RUNNING } });
    expect(items.map((item) => item.pod_sandbox_id)).toEqual([staged.pods.running]);
  });

  test("test_ListContainers_FilterByStateExited", async () => {
    const items = await containers({ state: { state: ContainerState.CONTAINER_EXITED } });
    const { stopped, removed, killed } = staged.pods;
    expect(items.map((item) => item.pod_sandbox_id).sort()).toEqual(
      [stopped, removed, killed].sort(),
    );
  });

  test("test_ListContainers_FilterByStateUnknown", async () => {
    expect(await containers({ state: { state: ContainerState.CONTAINER_UNKNOWN } })).toHaveLength(
      0,
    );
  });

  test("test_ListPodSandbox_FilterByLabels", async () => {
    const items = await sandboxes({ label_selector: staged.foo.labels });
    expect(items).toHaveLength(6);
    expect(items.map((item) => item.id)).not.toContain(staged.pods.bar);
  });

  test("test_ListContainers_FilterByLabels", async () => {
    const items = await containers({ label_selector: staged.bar.labels });
    expect(items.map((item) => item.pod_sandbox_id)).toEqual([staged.pods.bar]);
  });

  test("test_ListPodSandbox_FilterByStateAndLabels", async () => {
    const items = await sandboxes({
      state: { state: PodSandboxState.SANDBOX_READY },
      label_selector: fooDomain(),
    });
    expect(items).toHaveLength(5);
  });

  test("test_ListContainers_FilterByStateAndLabels", async () => {
    const items = await containers({
      state: { state: ContainerState.CONTAINER_CREATED },
      label_selector: fooDomain(),
    });
    expect(items.map((item) => item.pod_sandbox_id)).toEqual([staged.pods.created]);
  });

  test("test_ListPodSandbox_IncludeDownstream", async () => {
    const downstreamItems = [
      { id: "downstream-1", metadata: { name: "a", uid: "1", namespace: "x", attempt: 0 } },
      {
        id: "downstream-2",
        runtime_handler: "runc",
        annotations: { some: "annotation" },
      },
    ];
    const codec = criMessage<{ items: unknown[] }>("ListPodSandboxResponse");
    standIn.answerNext("ListPodSandbox", codec.encode({ items: downstreamItems }));
    const request = {
      filter: {
        state: { state: PodSandboxState.SANDBOX_READY },
        label_selector: { "vimana.host/domain": stagedMocked.foo.domain },
      },
    };
    const before = standIn.calls.length;
    const { items } = await mocked.cri.call(criMethods.ListPodSandbox, request);
    const received = standIn.calls.slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]?.request).toEqual(
      Buffer.from(criMethods.ListPodSandbox.request.encode(request)),
    );
    expect(items).toHaveLength(7);
    expect(items.slice(0, 2).map((item) => item.id)).toEqual(["downstream-1", "downstream-2"]);
    expect(items[1]?.annotations).toEqual({ some: "annotation" });
    expect(items[1]?.runtime_handler).toBe("runc");
    expect(items.slice(2).every((item) => item.runtime_handler === RUNTIME_HANDLER)).toBe(true);
  });

  test("test_ListContainers_IncludeDownstream", async () => {
    const codec = criMessage<{ containers: unknown[] }>("ListContainersResponse");
    standIn.answerNext(
      "ListContainers",
      codec.encode({
        containers: [
          { id: "downstream-c1", pod_sandbox_id: "downstream-1" },
          { id: "downstream-c2", pod_sandbox_id: "downstream-2", annotations: { a: "b" } },
        ],
      }),
    );
    const request = {
      filter: {
        state: { state: ContainerState.CONTAINER_CREATED },
        label_selector: { "vimana.host/domain": stagedMocked.foo.domain },
      },
    };
    const before = standIn.calls.length;
    const result = await mocked.cri.call(criMethods.ListContainers, request);
    const received = standIn.calls.slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]?.request).toEqual(
      Buffer.from(criMethods.ListContainers.request.encode(request)),
    );
    expect(result.containers.map((item) => item.id)).toEqual([
      "downstream-c1",
      "downstream-c2",
      `c-${stagedMocked.pods.created.slice(2)}`,
    ]);
    expect(result.containers[1]?.annotations).toEqual({ a: "b" });
  });
});
