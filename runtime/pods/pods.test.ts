import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  componentName,
  formatPodName,
  type PodName,
  parseDomainUuid,
} from "../../src/names/index.ts";
import { type Ipam, LoopbackIpam } from "../ipam/index.ts";
import { createLogger } from "../log/index.ts";
import {
  type ContainerSpec,
  PodError,
  type PodServing,
  Pods,
  type PreparedPod,
  type PreparePod,
  RecordStore,
} from "./index.ts";

const component = componentName(
  parseDomainUuid("0123456789abcdef0123456789abcdef"),
  "svc",
  "1.0.0",
);
const sandbox = { metadata: null, labels: {}, annotations: {} };
const spec = (env: [string, string][] = [], attempt = 1): ContainerSpec => ({
  metadata: { name: "grpc", attempt },
  labels: {},
  annotations: {},
  env: new Map(env),
  image: null,
});

/** An IPAM whose releases can be made to fail, counting what it holds. */
class FlakyIpam implements Ipam {
  readonly inner = new LoopbackIpam();
  readonly held = new Set<string>();
  failReleases = 0;

  async allocate(pod: PodName) {
    const address = await this.inner.allocate(pod);
    this.held.add(formatPodName(pod));
    return address;
  }

  async adopt(pod: PodName, address: string) {
    await this.inner.adopt(pod, address);
    this.held.add(formatPodName(pod));
  }

  async release(pod: PodName) {
    if (this.failReleases > 0) {
      this.failReleases -= 1;
      throw new Error("ip addr del failed");
    }
    await this.inner.release(pod);
    this.held.delete(formatPodName(pod));
  }
}

const stateDirs: string[] = [];
afterEach(() => {
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function setup(prepare: PreparePod, stateDir?: string) {
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), "vimana-pods-"));
  if (stateDir === undefined) stateDirs.push(dir);
  const ipam = new FlakyIpam();
  const lines: string[] = [];
  const records = new RecordStore(dir);
  const loaded = await records.load();
  const pods = new Pods({
    ipam,
    prepare,
    records,
    log: createLogger({ format: "json", write: (l) => lines.push(l) }),
  });
  return { ipam, pods, lines, records, loaded, dir };
}

const serving: PodServing = { listenerFd: 3, stop: async () => {} };
const usage = () => ({ memoryBytes: 0, cpuNanos: 0n });
const prepared = (serve: () => Promise<PodServing> = async () => serving): PreparedPod => ({
  digest: "sha256:x",
  serve,
  close: () => {},
  usage,
});

describe("Pods", () => {
  test("CreateContainer's environment reaches the component", async () => {
    const seen: [string, string][][] = [];
    const { pods } = await setup(async (_pod, env) => {
      seen.push([...env]);
      return prepared();
    });
    const pod = await pods.run(component, sandbox);
    await pods.createContainer(
      pod,
      spec([
        ["A", "1"],
        ["B", "2"],
      ]),
    );
    await pods.startContainer(pod);
    expect(seen).toEqual([
      [
        ["A", "1"],
        ["B", "2"],
      ],
    ]);
    expect(pods.get(pod)?.container?.imageDigest).toBe("sha256:x");
  });

  test("a failed load is the StartContainer error, every time, naming the cause", async () => {
    const { pods } = await setup(async () => {
      throw new Error("image svc is not pulled");
    });
    const pod = await pods.run(component, sandbox);
    await pods.createContainer(pod, spec());
    for (let i = 0; i < 2; i++) {
      const error = await pods.startContainer(pod).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PodError);
      expect((error as Error).message).toBe("Failed starting pod: image svc is not pulled");
    }
    expect(pods.get(pod)?.state).toBe("Created");
  });

  test("a bind failure leaves the container Created", async () => {
    const { pods } = await setup(async () =>
      prepared(async () => {
        throw new Error("EADDRINUSE");
      }),
    );
    const pod = await pods.run(component, sandbox);
    await pods.createContainer(pod, spec());
    await expect(pods.startContainer(pod)).rejects.toThrow("Failed binding to port: EADDRINUSE");
    expect(pods.get(pod)?.state).toBe("Created");
  });

  test("a failed release is retried: the address is never leaked", async () => {
    const { pods, ipam } = await setup(async () => prepared());
    const pod = await pods.run(component, sandbox);
    ipam.failReleases = 1;
    await expect(pods.stopSandbox(pod)).rejects.toThrow("ip addr del failed");
    expect(pods.get(pod)?.state).toBe("Killed");
    expect(ipam.held.size).toBe(1);
    await pods.stopSandbox(pod);
    expect(ipam.held.size).toBe(0);
    await pods.removeSandbox(pod);
    expect(pods.get(pod)).toBeUndefined();
  });

  test("a reattempt reloads only after a failed load and with a higher attempt", async () => {
    let loads = 0;
    const { pods, lines } = await setup(async () => {
      loads += 1;
      if (loads === 1) throw new Error("first load fails");
      return prepared();
    });
    const pod = await pods.run(component, sandbox);
    await pods.createContainer(pod, spec([], 1));
    await pods.startContainer(pod).catch(() => {});
    await pods.createContainer(pod, spec([], 1));
    expect(loads).toBe(1);
    await pods.createContainer(pod, spec([], 2));
    expect(loads).toBe(2);
    await pods.startContainer(pod);
    expect(pods.get(pod)?.state).toBe("Running");
    const messages = lines.map((line) => JSON.parse(line).msg);
    expect(messages).toContain("Idempotent container creation");
    expect(messages).toContain("Reattempted container creation");
  });
});
