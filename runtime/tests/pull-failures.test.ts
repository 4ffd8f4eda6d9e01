// Pulls that go wrong, through CRI: vimanad killed mid-pull and restarted, a registry that is
// down, a registry serving a blob whose digest does not match. Real registry throughout: it is
// frozen (SIGSTOP), stopped, or has a blob corrupted on its disk.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { builtPath, exampleComponents } from "../../examples/index.ts";
import { sha256Digest } from "../../src/oci/index.ts";
import { type CriCallError, criMethods } from "../cri/index.ts";
import {
  type ContainerdFixture,
  type RegistryFixture,
  startContainerd,
  startRegistry,
} from "./fixtures/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import { type PushedImage, pushExample, startVimanad, type Vimanad } from "./vimanad.ts";

function walk(dir: string): { bytes: number; inodes: number; names: string[] } {
  const total = { bytes: 0, inodes: 0, names: [] as string[] };
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    total.names.push(name);
    total.inodes += 1;
    const stats = statSync(path);
    if (stats.isDirectory()) {
      const inside = walk(path);
      total.bytes += inside.bytes;
      total.inodes += inside.inodes;
      total.names.push(...inside.names);
    } else {
      total.bytes += stats.size;
    }
  }
  return total;
}

async function pullError(vimanad: Vimanad, image: PushedImage) {
  const error = await vimanad.cri
    .call(
      criMethods.PullImage,
      { image: image.imageSpec, sandbox_config: { labels: image.labels } },
      { timeoutMs: 90_000 },
    )
    .then(
      () => {
        throw new Error("expected the pull to fail");
      },
      (error: CriCallError) => error,
    );
  return { code: error.code, details: (error.cause as { details: string }).details };
}

describe("pull failures", () => {
  let containerd: ContainerdFixture;
  let registry: RegistryFixture;
  let vimanad: Vimanad | undefined;
  let imageStore: string;

  const start = async () => {
    vimanad = await startVimanad({
      downstream: containerd.socket,
      insecureRegistries: [registry.host],
      dataplanePort: freeLoopbackPort(),
      imageStore,
    });
    return vimanad;
  };

  beforeAll(async () => {
    [containerd, registry] = await Promise.all([startContainerd(), startRegistry()]);
    imageStore = join(registry.dir, "vimanad-images");
  });
  afterAll(async () => {
    try {
      process.kill(registry.pid, "SIGCONT");
    } catch {
      // Already stopped.
    }
    await vimanad?.cleanUp();
    await Promise.all([containerd?.stop(), registry?.stop()]);
  });

  test("kill -9 during a pull: after a restart the store is whole and the image pulls", async () => {
    const first = await start();
    const image = await pushExample(registry.host, "restart", "1.0.0");
    process.kill(registry.pid, "SIGSTOP");
    try {
      const pulling = first.cri
        .call(criMethods.PullImage, {
          image: image.imageSpec,
          sandbox_config: { labels: image.labels },
        })
        .catch(() => "interrupted");
      while (!first.log().includes("Fetching image from")) await Bun.sleep(10);
      await first.kill();
      expect(await pulling).toBe("interrupted");
    } finally {
      process.kill(registry.pid, "SIGCONT");
    }
    // What a kill during the write phase leaves behind: a staging directory, half written.
    mkdirSync(join(imageStore, ".tmp-crashed"), { recursive: true });
    writeFileSync(join(imageStore, ".tmp-crashed", "component.wasm"), "half a component");
    await first.cleanUp();

    const second = await start();
    const walked = walk(imageStore);
    expect(walked.names.filter((name) => name.startsWith(".tmp-"))).toEqual([]);
    const info = await second.cri.call(criMethods.ImageFsInfo, {});
    expect(info.image_filesystems[0]?.used_bytes?.value).toBe(BigInt(walked.bytes));
    expect(info.image_filesystems[0]?.inodes_used?.value).toBe(BigInt(walked.inodes));
    const pulled = await second.cri.call(criMethods.PullImage, {
      image: image.imageSpec,
      sandbox_config: { labels: image.labels },
    });
    expect(pulled.image_ref).toBe(image.component);
    const status = await second.cri.call(criMethods.ImageStatus, { image: image.imageSpec });
    expect(status.image?.id).toBe(image.component);
    await second.cleanUp();
    vimanad = undefined;
  });

  test("a blob whose digest does not match: a clear error, nothing stored", async () => {
    const running = await start();
    const image = await pushExample(registry.host, "corrupt", "1.0.0");
    const example = exampleComponents.find((e) => e.name === "adder-wat");
    if (example === undefined) throw new Error("no adder-wat example");
    const wasm = readFileSync(builtPath(example));
    const hex = sha256Digest(new Uint8Array(wasm)).slice("sha256:".length);
    const blob = join(
      registry.dir,
      "storage/docker/registry/v2/blobs/sha256",
      hex.slice(0, 2),
      hex,
      "data",
    );
    const bytes = readFileSync(blob);
    const last = bytes.length - 1;
    bytes.writeUInt8(bytes.readUInt8(last) ^ 0xff, last); // same size, other digest
    writeFileSync(blob, bytes);
    const before = walk(imageStore);
    const answer = await pullError(running, image);
    expect(answer.code).toBe(status.INTERNAL);
    expect(answer.details).toStartWith(`Error pulling image: "${image.imageSpec.image}": `);
    expect(answer.details).toContain("digest");
    expect(walk(imageStore)).toEqual(before);
    const found = await running.cri.call(criMethods.ImageStatus, { image: image.imageSpec });
    expect(found.image).toBeNull();
  });

  test("registry down: a clear error, promptly", async () => {
    const running = vimanad ?? (await start());
    const image = await pushExample(registry.host, "down", "1.0.0");
    await registry.stop();
    const answer = await pullError(running, image);
    expect(answer.code).toBe(status.INTERNAL);
    expect(answer.details).toStartWith(`Error pulling image: "${image.imageSpec.image}": `);
    expect(answer.details).toContain(registry.host);
    expect(running.exited()).toBe(false);
  });
});
