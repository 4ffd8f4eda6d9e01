// vimanad restarts without losing a pod (issue #13): kill -9 under load, a crash in the middle of
// each pod transition, an unreadable record — against the compiled vimanad, real containerd and
// a real registry. One state directory throughout: every restart also recovers the pods the
// earlier tests left.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { ContainerState, type CriClient, criMethods, PodSandboxState } from "../cri/index.ts";
import {
  type ContainerdFixture,
  type RegistryFixture,
  startContainerd,
  startRegistry,
} from "./fixtures/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import {
  addFloats,
  endPod,
  type PushedImage,
  pushExample,
  startPod,
  startVimanad,
  type Vimanad,
} from "./vimanad.ts";

const RUNNING = 20;
const AT_ONCE = 10;

interface Pod {
  podSandboxId: string;
  containerId: string;
  ip: string;
}

/** Pod sandboxes, containers and record files as kubelet and the disk see them. */
interface Snapshot {
  sandboxes: Map<string, { state: number; createdAt: bigint; ip: string }>;
  containers: Map<string, { state: number; createdAt: bigint }>;
}

describe("vimanad restarts", () => {
  let containerd: ContainerdFixture | undefined;
  let registry: RegistryFixture | undefined;
  let vimanad: Vimanad | undefined;
  let dir: string;
  let image: PushedImage;
  const port = freeLoopbackPort();
  /** Pods that must be Running and answering after every restart. */
  const running: Pod[] = [];

  const start = async (env?: Record<string, string>) => {
    const downstream = (containerd as ContainerdFixture).socket;
    const insecureRegistries = [(registry as RegistryFixture).host];
    vimanad = await startVimanad({
      downstream,
      insecureRegistries,
      dataplanePort: port,
      ...(dir !== undefined && { dir }),
      ...(env !== undefined && { env }),
    });
    dir = vimanad.dir;
    return vimanad;
  };
  const cri = (): CriClient => (vimanad as Vimanad).cri;

  const snapshot = async (): Promise<Snapshot> => {
    const { items } = await cri().call(criMethods.ListPodSandbox, {});
    const sandboxes: Snapshot["sandboxes"] = new Map();
    for (const item of items.filter((i) => i.runtime_handler === RUNTIME_HANDLER)) {
      const { status } = await cri().call(criMethods.PodSandboxStatus, {
        pod_sandbox_id: item.id,
      });
      sandboxes.set(item.id, {
        state: item.state,
        createdAt: item.created_at,
        ip: status?.network?.ip ?? "",
      });
    }
    const containers: Snapshot["containers"] = new Map();
    for (const item of (await cri().call(criMethods.ListContainers, {})).containers) {
      if (sandboxes.has(item.pod_sandbox_id)) {
        containers.set(item.id, { state: item.state, createdAt: item.created_at });
      }
    }
    return { sandboxes, containers };
  };
  /** Record files in the state directory: `<pod ID in hex>.json`. */
  const recordFiles = () =>
    readdirSync(join(dir, "state", "pods"))
      .filter((file) => file.endsWith(".json"))
      .sort();
  /** The record files `pods` should have, no more. */
  const recordsOf = (pods: readonly Pod[]) =>
    pods.map((pod) => `${pod.podSandboxId.split("#")[1]}.json`).sort();
  /** Sockets listening on the data plane port, as `ss` shows them (with their process). */
  const listeners = () =>
    Bun.spawnSync(["ss", "-Hltnp", `sport = :${port}`])
      .stdout.toString()
      .split("\n")
      .filter((line) => line.trim() !== "");
  const answersAll = async (pods: readonly Pod[]) => {
    const sums = await Promise.all(pods.map((pod) => addFloats(pod.ip, port, 2, 3)));
    expect(sums).toEqual(pods.map(() => 5));
  };
  const waitExited = async (process: Vimanad) => {
    const deadline = Date.now() + 10_000;
    while (!process.exited() && Date.now() < deadline) await Bun.sleep(20);
    expect(process.exited()).toBe(true);
  };

  beforeAll(async () => {
    [containerd, registry] = await Promise.all([startContainerd(), startRegistry()]);
    await start();
    image = await pushExample(registry.host, "restart", "1.0.0");
    await cri().call(criMethods.PullImage, {
      image: image.imageSpec,
      sandbox_config: { labels: image.labels },
    });
  });
  afterAll(async () => {
    await vimanad?.cleanUp();
    await Promise.all([containerd?.stop(), registry?.stop()]);
  });

  test(`kill -9 with ${RUNNING} pods running under load: the same pods serve again`, async () => {
    for (let done = 0; done < RUNNING; done += AT_ONCE) {
      running.push(
        ...(await Promise.all(Array.from({ length: AT_ONCE }, () => startPod(cri(), image, port)))),
      );
    }
    const stopped = await startPod(cri(), image, port);
    await cri().call(criMethods.StopContainer, { container_id: stopped.containerId, timeout: 1n });
    await cri().call(criMethods.StopPodSandbox, { pod_sandbox_id: stopped.podSandboxId });
    const removed = await startPod(cri(), image, port);
    await endPod(cri(), removed);
    const before = await snapshot();
    expect(before.sandboxes.size).toBe(RUNNING + 1);

    // Load: every pod called over and over, until the kill.
    let loading = true;
    let answered = 0;
    const load = (async () => {
      while (loading) {
        await Promise.allSettled(
          running.map((pod) => addFloats(pod.ip, port, 1, 1).then(() => answered++)),
        );
      }
    })();
    while (answered < RUNNING * 3) await Bun.sleep(10);
    const killed = vimanad as Vimanad;
    await killed.kill();
    loading = false;
    await load;

    await start();
    const after = await snapshot();
    expect(after).toEqual(before);
    const stoppedAfter = after.sandboxes.get(stopped.podSandboxId);
    expect(stoppedAfter?.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
    expect(after.sandboxes.has(removed.podSandboxId)).toBe(false);
    for (const pod of running) {
      expect(after.sandboxes.get(pod.podSandboxId)?.state).toBe(PodSandboxState.SANDBOX_READY);
      expect(after.containers.get(pod.containerId)?.state).toBe(ContainerState.CONTAINER_RUNNING);
    }
    await answersAll(running);
    expect(listeners()).toHaveLength(RUNNING);

    // New pods get new IDs and none of the running pods' addresses.
    const fresh = await Promise.all(
      Array.from({ length: AT_ONCE }, () => startPod(cri(), image, port)),
    );
    const taken = new Set(running.map((pod) => pod.ip));
    const ids = new Set([...before.sandboxes.keys(), removed.podSandboxId]);
    for (const pod of fresh) {
      expect(taken.has(pod.ip)).toBe(false);
      expect(ids.has(pod.podSandboxId)).toBe(false);
    }
    await Promise.all(fresh.map((pod) => endPod(cri(), pod)));
    await cri().call(criMethods.RemovePodSandbox, { pod_sandbox_id: stopped.podSandboxId });
    expect(recordFiles()).toEqual(recordsOf(running));
  }, 120_000);

  // Per crash point: what kubelet does up to the crash (the call that dies is the last), and how
  // it drives the pod to its end after the restart, from what it then lists.
  const crashes: {
    point: string;
    upTo: (pod: Partial<Pod>) => Promise<unknown>;
    after: (pod: Partial<Pod>) => Promise<void>;
  }[] = [];
  const runSandbox = async (pod: Partial<Pod>) => {
    const { pod_sandbox_id } = await cri().call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: { metadata: { name: "crash", uid: crypto.randomUUID() }, labels: image.labels },
    });
    pod.podSandboxId = pod_sandbox_id;
  };
  const createContainer = async (pod: Partial<Pod>) => {
    const { container_id } = await cri().call(criMethods.CreateContainer, {
      pod_sandbox_id: pod.podSandboxId as string,
      config: { metadata: { name: "grpc", attempt: 1 }, image: image.imageSpec },
    });
    pod.containerId = container_id;
  };
  /** The pod's sandbox and container as vimanad lists them now (kubelet's view). */
  const relist = async (pod: Partial<Pod>) => {
    const listed = await snapshot();
    const sandbox = listed.sandboxes.get(pod.podSandboxId as string);
    pod.ip = sandbox?.ip;
    const containerId = `c-${(pod.podSandboxId as string).slice(2)}`;
    return { sandbox, container: listed.containers.get(containerId), containerId };
  };
  const finish = async (pod: Partial<Pod>) => {
    expect(await addFloats(pod.ip as string, port, 20, 22)).toBe(42);
    await endPod(cri(), pod as Pod);
  };
  crashes.push(
    ...["run-sandbox:before-allocate", "run-sandbox:allocated"].map((point) => ({
      point,
      upTo: runSandbox,
      // kubelet never got an ID: the pod must not be listed; it runs the pod again.
      after: async () => {
        const listed = await snapshot();
        expect(listed.sandboxes.size).toBe(RUNNING);
        const pod = await startPod(cri(), image, port);
        await endPod(cri(), pod);
      },
    })),
    {
      point: "create-container:persisted",
      upTo: async (pod) => {
        await runSandbox(pod);
        await createContainer(pod);
      },
      after: async (pod) => {
        const { container, containerId } = await relist(pod);
        expect(container?.state).toBe(ContainerState.CONTAINER_CREATED);
        pod.containerId = containerId;
        await cri().call(criMethods.StartContainer, { container_id: containerId });
        await finish(pod);
      },
    },
    {
      point: "start-container:serving",
      upTo: async (pod) => {
        await runSandbox(pod);
        await createContainer(pod);
        await cri().call(criMethods.StartContainer, { container_id: pod.containerId as string });
      },
      after: async (pod) => {
        const { container } = await relist(pod);
        expect(container?.state).toBe(ContainerState.CONTAINER_CREATED);
        await cri().call(criMethods.StartContainer, { container_id: pod.containerId as string });
        await finish(pod);
      },
    },
    {
      point: "stop-container:stopped-serving",
      upTo: async (pod) => {
        Object.assign(pod, await startPod(cri(), image, port));
        await cri().call(criMethods.StopContainer, {
          container_id: pod.containerId as string,
          timeout: 1n,
        });
      },
      // The record still says Running: it serves again, and kubelet stops it again.
      after: async (pod) => {
        const { container } = await relist(pod);
        expect(container?.state).toBe(ContainerState.CONTAINER_RUNNING);
        await finish(pod);
      },
    },
    {
      point: "remove-sandbox:released",
      upTo: async (pod) => {
        Object.assign(pod, await startPod(cri(), image, port));
        await endPod(cri(), pod as Pod);
      },
      after: async (pod) => {
        const { sandbox } = await relist(pod);
        expect(sandbox?.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
        await cri().call(criMethods.RemovePodSandbox, {
          pod_sandbox_id: pod.podSandboxId as string,
        });
      },
    },
  );

  for (const { point, upTo, after } of crashes) {
    test(`crash at ${point}: kubelet drives the pod to its end after the restart, nothing leaks`, async () => {
      await (vimanad as Vimanad).stop();
      const crashing = await start({ VIMANAD_CRASH_AT: point });
      const pod: Partial<Pod> = {};
      await expect(upTo(pod)).rejects.toThrow();
      await waitExited(crashing);
      expect(crashing.log()).toContain(`VIMANAD_CRASH_AT=${point}: killing myself`);
      await crashing.kill();

      await start();
      await after(pod);
      const listed = await snapshot();
      expect([...listed.sandboxes.keys()].sort()).toEqual(
        running.map((p) => p.podSandboxId).sort(),
      );
      expect(recordFiles()).toEqual(recordsOf(running));
      expect(listeners()).toHaveLength(RUNNING);
      await answersAll(running);
    }, 60_000);
  }

  test("an unreadable and a foreign record: an error naming each file, the other pods recover", async () => {
    await (vimanad as Vimanad).stop();
    const pods = join(dir, "state", "pods");
    const corrupt = join(pods, "7fffff01.json");
    const foreign = join(pods, "7fffff02.json");
    writeFileSync(corrupt, '{"format":"vimanad.pod/v1","pod":');
    writeFileSync(foreign, `${JSON.stringify({ apiVersion: "v1", kind: "Pod" })}\n`);
    const restarted = await start();
    const errors = restarted
      .log()
      .split("\n")
      .filter((line) => line.includes("Unreadable pod record"));
    expect(errors.some((line) => line.includes(corrupt))).toBe(true);
    expect(errors.some((line) => line.includes(foreign))).toBe(true);
    const listed = await snapshot();
    expect([...listed.sandboxes.keys()].sort()).toEqual(running.map((p) => p.podSandboxId).sort());
    await answersAll(running);
  }, 60_000);
});
