// crictl (cri-tools, built from its Go module by scripts/kubernetes) against vimanad: the
// commands an operator runs on a node, for a Vimana pod that crictl itself created.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries } from "../../scripts/kubernetes/index.ts";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
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

describe("crictl against vimanad", () => {
  let registry: RegistryFixture;
  let vimanad: Vimanad;
  let stack: Stack | undefined;
  let crictlPath: string;
  let dir: string;
  let image: PushedImage;
  const port = freeLoopbackPort();

  /** Runs crictl against vimanad's socket; throws with its output if it fails. */
  const crictl = (...args: string[]): string => {
    const endpoint = `unix://${vimanad.socket}`;
    const result = Bun.spawnSync(
      [
        crictlPath,
        "--runtime-endpoint",
        endpoint,
        "--image-endpoint",
        endpoint,
        "--timeout",
        "20s",
        ...args,
      ],
      { cwd: dir, timeout: 60_000 },
    );
    if (result.exitCode !== 0) {
      throw new Error(`crictl ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
    }
    return result.stdout.toString();
  };
  /** Flags go before arguments: crictl stops reading flags at the first argument. */
  const json = (command: string, ...args: string[]) =>
    JSON.parse(crictl(command, "-o", "json", ...args));

  beforeAll(async () => {
    [stack, { crictl: crictlPath }] = await Promise.all([
      startStack({ dataplanePort: port }),
      ensureBinaries({ only: ["crictl"] }),
    ]);
    ({ registry, vimanad } = stack);
    dir = await mkdtemp(join(tmpdir(), "vimana-crictl-"));
    image = await pushExample(registry.host, "crictl", "1.0.0", { example: "adder-logging-c" });
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("version and info", () => {
    expect(crictl("version")).toContain("RuntimeName:  vimana");
    // info is the downstream runtime's status (conditions and its config), vimanad ready.
    const info = json("info");
    expect(info.status.conditions.map((c: { type: string }) => c.type)).toContain("RuntimeReady");
  });

  test("pull, runp, create, start, then pods, ps, images, inspectp, inspect, logs, stats", async () => {
    const reference = image.imageSpec.image;
    crictl("pull", reference);
    const podConfig = join(dir, "pod.json");
    const containerConfig = join(dir, "container.json");
    await writeFile(
      podConfig,
      JSON.stringify({
        metadata: { name: "crictl-adder", namespace: "default", uid: "crictl-uid" },
        labels: image.labels,
        log_directory: join(dir, "logs"),
      }),
    );
    await writeFile(
      containerConfig,
      JSON.stringify({
        metadata: { name: "grpc" },
        image: { image: reference },
        log_path: "grpc.log",
      }),
    );
    const podId = crictl("runp", "--runtime", RUNTIME_HANDLER, podConfig).trim();
    expect(podId.startsWith(`p-${image.component}#`)).toBe(true);
    const containerId = crictl("create", podId, containerConfig, podConfig).trim();
    expect(containerId).toBe(`c-${podId.slice(2)}`);
    crictl("start", containerId);

    const pods = json("pods", "--id", podId);
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0].state).toBe("SANDBOX_READY");
    expect(pods.items[0].runtimeHandler).toBe(RUNTIME_HANDLER);

    const ps = json("ps", "--id", containerId);
    expect(ps.containers).toHaveLength(1);
    expect(ps.containers[0].state).toBe("CONTAINER_RUNNING");
    expect(ps.containers[0].imageRef).toMatch(/@sha256:[0-9a-f]{64}$/);

    const images = json("images");
    const ours = images.images.find((i: { id: string }) => i.id === image.component);
    expect(ours?.repoTags).toEqual([reference]);

    const inspectp = json("inspectp", podId);
    const ip = inspectp.status.network.ip;
    expect(ip).toMatch(/^127\./);
    expect(await addFloats(ip, port, 3.5, -1.2)).toBe(Math.fround(2.3));

    // crictl shows IDs cut to 13 characters; they work as arguments, as with containerd.
    expect(json("inspectp", podId.slice(0, 13)).status.id).toBe(podId);
    expect(json("ps", "--id", containerId.slice(0, 13)).containers[0].id).toBe(containerId);

    const inspect = json("inspect", containerId);
    expect(inspect.status.state).toBe("CONTAINER_RUNNING");
    expect(inspect.status.logPath).toBe(join(dir, "logs", "grpc.log"));
    expect(inspect.status.imageId).toBe(image.component);

    // logs reads the file vimanad writes, in the CRI log format.
    const deadline = Date.now() + 5000;
    let logs = "";
    while (!logs.includes("AddFloats(3.5, -1.2) = 2.3") && Date.now() < deadline) {
      logs = crictl("logs", containerId);
      await Bun.sleep(50);
    }
    expect(logs).toBe("AddFloats(3.5, -1.2) = 2.3\n");

    const stats = json("stats", "--id", containerId);
    expect(stats.stats).toHaveLength(1);
    expect(Number(stats.stats[0].memory.workingSetBytes.value)).toBeGreaterThan(0);
    expect(Number(stats.stats[0].cpu.usageCoreNanoSeconds.value)).toBeGreaterThan(0);
    const statsp = json("statsp", "--id", podId);
    expect(statsp.stats).toHaveLength(1);

    // What a component has no use for: no processes to exec into, no ports to forward.
    expect(() => crictl("exec", "--sync", containerId, "true")).toThrow(
      "ExecSync is not supported for Vimana pods",
    );

    crictl("stop", containerId);
    crictl("rm", containerId);
    crictl("stopp", podId);
    crictl("rmp", podId);
    expect(json("pods", "--id", podId).items).toEqual([]);
    crictl("rmi", image.component);
    expect(json("images").images.map((i: { id: string }) => i.id)).not.toContain(image.component);
  });
});
