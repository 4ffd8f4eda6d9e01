// Push and pull against a real docker-registry (the shared fixture).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { truncate, writeFile } from "node:fs/promises";
import {
  type RegistryFixture,
  startRegistry,
  withServiceLogs,
} from "../../runtime/tests/fixtures/index.ts";
import { formatImageReference, imageRepository } from "../names/index.ts";
import { sha256Digest } from "./digest.ts";
import { OciError } from "./errors.ts";
import { buildVimanaImage, MANIFEST_MEDIA_TYPE } from "./image-format.ts";
import { pullVimanaImage } from "./pull.ts";
import { type PushProgress, pushVimanaImage } from "./push.ts";
import {
  exampleLayers,
  type Layers,
  randomComponentName,
  recordingFetch,
  registryBlobPath,
  uniqueComponent,
} from "./testdata/images.ts";

let registry: RegistryFixture;
let adder: Layers;

beforeAll(async () => {
  [registry, adder] = await Promise.all([startRegistry(), exampleLayers("adder-wat")]);
});
afterAll(() => registry?.stop());

const inRegistry = <T>(body: () => Promise<T>) => withServiceLogs([registry], body);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Pushes `layers` as a fresh component; returns where it is. */
async function pushFresh(layers: Layers, created?: Date) {
  const component = randomComponentName();
  const image = await pushVimanaImage({
    registry: registry.host,
    component,
    insecure: true,
    componentBytes: layers.component,
    metadataBytes: layers.metadata,
    created,
  });
  return { component, image, reference: { registry: registry.host, component } };
}

async function fetchFromRegistry(path: string, accept?: string): Promise<Uint8Array> {
  const response = await fetch(`${registry.url}/v2/${path}`, {
    headers: accept ? { accept } : {},
  });
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

describe("push then pull", () => {
  test("round-trips the component and Metadata byte for byte", () =>
    inRegistry(async () => {
      const { image, reference } = await pushFresh(adder);
      const pulled = await pullVimanaImage({ ...reference, insecure: true });
      expect(pulled.component).toEqual(adder.component);
      expect(pulled.metadata).toEqual(adder.metadata);
      expect(pulled.manifest).toEqual(image.manifest);
      expect(pulled.digest).toBe(image.digest);
      expect(pulled.digest).toBe(sha256Digest(pulled.manifest));
    }));

  test("the registry holds exactly the ref §3.1 manifest and config", () =>
    inRegistry(async () => {
      const created = new Date("2025-03-04T05:06:07.089Z");
      const { component } = await pushFresh(adder, created);
      const repository = imageRepository(component);
      const manifestBytes = await fetchFromRegistry(
        `${repository}/manifests/${component.version}`,
        MANIFEST_MEDIA_TYPE,
      );
      const manifest = JSON.parse(text(manifestBytes));
      // Compact separators: re-serializing changes nothing.
      expect(text(manifestBytes)).toBe(JSON.stringify(manifest));
      expect(Object.keys(manifest)).toEqual(["schemaVersion", "mediaType", "config", "layers"]);
      expect(manifest.schemaVersion).toBe(2);
      expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
      expect(Object.keys(manifest.config)).toEqual(["mediaType", "size", "digest"]);
      expect(manifest.config.mediaType).toBe("application/vnd.wasm.config.v0+json");
      expect(manifest.layers).toHaveLength(2);
      const [componentLayer, metadataLayer] = manifest.layers;
      expect(Object.keys(componentLayer)).toEqual(["mediaType", "size", "digest"]);
      expect(componentLayer).toEqual({
        mediaType: "application/wasm",
        size: adder.component.length,
        digest: sha256Digest(adder.component),
      });
      expect(Object.keys(metadataLayer)).toEqual(["mediaType", "size", "digest"]);
      expect(metadataLayer).toEqual({
        mediaType: "application/protobuf",
        size: adder.metadata.length,
        digest: sha256Digest(adder.metadata),
      });

      const configBytes = await fetchFromRegistry(`${repository}/blobs/${manifest.config.digest}`);
      expect(configBytes.length).toBe(manifest.config.size);
      expect(sha256Digest(configBytes)).toBe(manifest.config.digest);
      const config = JSON.parse(text(configBytes));
      expect(text(configBytes)).toBe(JSON.stringify(config));
      expect(Object.keys(config)).toEqual([
        "created",
        "architecture",
        "os",
        "layerDigests",
        "component",
      ]);
      expect(config.created).toBe("2025-03-04T05:06:07.089000Z");
      expect(config.architecture).toBe("wasm");
      expect(config.os).toBe("vimana");
      expect(config.layerDigests).toEqual([componentLayer.digest, metadataLayer.digest]);
      expect(config.component).toEqual({});

      for (const layer of [componentLayer, metadataLayer]) {
        const blob = await fetchFromRegistry(`${repository}/blobs/${layer.digest}`);
        expect(sha256Digest(blob)).toBe(layer.digest);
      }
    }));

  test("reports progress: component, metadata, config, then the manifest", () =>
    inRegistry(async () => {
      const progress: PushProgress[] = [];
      const image = await pushVimanaImage({
        registry: registry.host,
        component: randomComponentName(),
        insecure: true,
        componentBytes: adder.component,
        metadataBytes: adder.metadata,
        onProgress: (step) => progress.push(step),
      });
      expect(progress).toEqual([
        {
          step: "component",
          digest: sha256Digest(adder.component),
          size: adder.component.length,
        },
        { step: "metadata", digest: sha256Digest(adder.metadata), size: adder.metadata.length },
        { step: "config", digest: sha256Digest(image.config), size: image.config.length },
        { step: "manifest", digest: image.digest, size: image.manifest.length },
      ]);
    }));

  test("pushes blobs by POST then PUT ?digest=, and the manifest by PUT to the tag", () =>
    inRegistry(async () => {
      const { fetch, requests } = recordingFetch();
      const component = randomComponentName();
      const image = await pushVimanaImage({
        registry: registry.host,
        component,
        insecure: true,
        componentBytes: adder.component,
        metadataBytes: adder.metadata,
        fetch,
      });
      const base = `${registry.url}/v2/${imageRepository(component)}`;
      const plan = requests.map(({ method, url }) => {
        const parsed = new URL(url);
        const digest = parsed.searchParams.get("digest");
        return `${method} ${parsed.origin}${parsed.pathname.replace(/uploads\/.+$/, "uploads/<id>")}${digest ? ` digest=${digest}` : ""}`;
      });
      expect(plan).toEqual([
        `POST ${base}/blobs/uploads/`,
        `PUT ${base}/blobs/uploads/<id> digest=${sha256Digest(adder.component)}`,
        `POST ${base}/blobs/uploads/`,
        `PUT ${base}/blobs/uploads/<id> digest=${sha256Digest(adder.metadata)}`,
        `POST ${base}/blobs/uploads/`,
        `PUT ${base}/blobs/uploads/<id> digest=${sha256Digest(image.config)}`,
        `PUT ${base}/manifests/${component.version}`,
      ]);
      // The registry's own upload state survives next to the digest.
      for (const { url } of requests.filter((r) => r.url.includes("digest="))) {
        expect(new URL(url).searchParams.get("_state")).toBeTruthy();
      }
    }));

  test("an image pushed by hand in the original's format pulls", () =>
    inRegistry(async () => {
      // What image-push.py sends, built here without our pusher.
      const component = randomComponentName();
      const repository = imageRepository(component);
      const image = buildVimanaImage(adder.component, adder.metadata);
      for (const blob of [image.component, image.metadata, image.config]) {
        const opened = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
          method: "POST",
        });
        const upload = new URL(opened.headers.get("location") ?? "", registry.url);
        upload.searchParams.append("digest", sha256Digest(blob));
        const closed = await fetch(upload, { method: "PUT", body: blob });
        expect(closed.status).toBe(201);
      }
      const put = await fetch(`${registry.url}/v2/${repository}/manifests/${component.version}`, {
        method: "PUT",
        headers: { "content-type": MANIFEST_MEDIA_TYPE },
        body: image.manifest,
      });
      expect(put.status).toBe(201);
      const pulled = await pullVimanaImage({ registry: registry.host, component, insecure: true });
      expect(pulled.digest).toBe(image.digest);
      expect(pulled.component).toEqual(adder.component);
    }));
});

describe("pull refuses what does not match", () => {
  test("a blob whose bytes differ from its digest: the error names the blob", () =>
    inRegistry(async () => {
      const unique = { ...adder, component: uniqueComponent(adder.component) };
      const { reference } = await pushFresh(unique);
      const digest = sha256Digest(unique.component);
      const stored = await Bun.file(registryBlobPath(registry.dir, digest)).bytes();
      stored.set([(stored.at(-1) ?? 0) ^ 0xff], stored.length - 1); // same size, other content
      await writeFile(registryBlobPath(registry.dir, digest), stored);

      const pull = pullVimanaImage({ ...reference, insecure: true });
      await expect(pull).rejects.toBeInstanceOf(OciError);
      await expect(pull).rejects.toThrow(
        `Pulling ${formatImageReference(reference)}: blob ${digest} (layer 0, application/wasm) ` +
          `does not match its digest: the registry sent content with ${sha256Digest(stored)}`,
      );
    }));

  test("a blob shorter than its descriptor says", () =>
    inRegistry(async () => {
      const unique = { ...adder, component: uniqueComponent(adder.component) };
      const { reference } = await pushFresh(unique);
      const digest = sha256Digest(unique.component);
      await truncate(registryBlobPath(registry.dir, digest), 100);

      await expect(pullVimanaImage({ ...reference, insecure: true })).rejects.toThrow(
        `blob ${digest} (layer 0, application/wasm) is 100 bytes, the manifest says ${unique.component.length}`,
      );
    }));

  test("a blob longer than its descriptor says: reading stops at the size", () =>
    inRegistry(async () => {
      const unique = { ...adder, component: uniqueComponent(adder.component) };
      const { reference } = await pushFresh(unique);
      const digest = sha256Digest(unique.component);
      const path = registryBlobPath(registry.dir, digest);
      await writeFile(path, new Uint8Array([...unique.component, ...new Uint8Array(1 << 20)]));

      await expect(pullVimanaImage({ ...reference, insecure: true })).rejects.toThrow(
        `blob ${digest} (layer 0, application/wasm): GET ${registry.url}/v2/${imageRepository(reference.component)}/blobs/${digest}: ` +
          `the answer is longer than the expected ${unique.component.length} bytes`,
      );
    }));

  test("a manifest with three layers: the original's message", () =>
    inRegistry(async () => {
      const { component, image, reference } = await pushFresh(adder);
      const manifest = JSON.parse(text(image.manifest));
      manifest.layers.push(manifest.layers[1]);
      const url = `${registry.url}/v2/${imageRepository(component)}/manifests/${component.version}`;
      const put = await fetch(url, {
        method: "PUT",
        headers: { "content-type": MANIFEST_MEDIA_TYPE },
        body: JSON.stringify(manifest),
      });
      expect(put.status).toBe(201);

      await expect(pullVimanaImage({ ...reference, insecure: true })).rejects.toThrow(
        `Pulling ${formatImageReference(reference)}: Unexpected container layer count: 3`,
      );
    }));

  test("an unknown tag: the status and the registry's reason", () =>
    inRegistry(async () => {
      const reference = { registry: registry.host, component: randomComponentName() };
      const repository = imageRepository(reference.component);
      await expect(pullVimanaImage({ ...reference, insecure: true })).rejects.toThrow(
        `Pulling ${formatImageReference(reference)}: Failed fetching manifest ` +
          `${registry.url}/v2/${repository}/manifests/1.0.0: Got HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)`,
      );
    }));
});

describe("push refuses what vimanad could not serve", () => {
  test("a core module is not pushed: no request is made", async () => {
    const { fetch, requests } = recordingFetch();
    const core = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const component = randomComponentName();
    await expect(
      pushVimanaImage({
        registry: registry.host,
        component,
        insecure: true,
        componentBytes: core,
        metadataBytes: adder.metadata,
        fetch,
      }),
    ).rejects.toThrow(
      `Pushing ${registry.host}/${imageRepository(component)}:1.0.0: the application/wasm layer is a core WebAssembly module, not a component`,
    );
    expect(requests).toEqual([]);
  });
});

describe("transport", () => {
  test("registries outside the insecure set are spoken to over HTTPS", async () => {
    const { fetch, requests } = recordingFetch();
    const reference = { registry: registry.host, component: randomComponentName() };
    await expect(
      pullVimanaImage({ ...reference, insecure: false, fetch, timeoutMs: 5_000 }),
    ).rejects.toThrow(OciError);
    expect(requests[0]?.url).toBe(
      `https://${registry.host}/v2/${imageRepository(reference.component)}/manifests/1.0.0`,
    );
  });

  test("a registry that is down: a clear error naming the image and the URL", async () => {
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const host = `127.0.0.1:${closed.port}`;
    closed.stop(true);
    const reference = { registry: host, component: randomComponentName() };
    const url = `http://${host}/v2/${imageRepository(reference.component)}/manifests/1.0.0`;
    await expect(pullVimanaImage({ ...reference, insecure: true })).rejects.toThrow(
      new RegExp(`^Pulling ${formatImageReference(reference)}: GET ${url}: .*ECONNREFUSED`),
    );
  });

  test("a registry that accepts but never answers: the request times out", async () => {
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const reference = { registry: `127.0.0.1:${silent.port}`, component: randomComponentName() };
      const url = `http://${reference.registry}/v2/${imageRepository(reference.component)}/manifests/1.0.0`;
      await expect(
        pullVimanaImage({ ...reference, insecure: true, timeoutMs: 200 }),
      ).rejects.toThrow(
        `Pulling ${formatImageReference(reference)}: GET ${url}: no answer within 200 ms`,
      );
    } finally {
      silent.stop(true);
    }
  });

  test("a registry that stalls in the middle of a blob times out too", async () => {
    const { component, image } = await pushFresh(adder);
    // Serves the real manifest, then only the first bytes of each blob.
    const stalling = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket, request) {
          const [, path = ""] = /^GET (\S+)/.exec(request.toString()) ?? [];
          const body = path.includes("/manifests/") ? image.manifest : undefined;
          if (body) {
            socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
            socket.write(body);
          } else {
            socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n\0asm");
          }
        },
      },
    });
    try {
      const reference = { registry: `127.0.0.1:${stalling.port}`, component };
      await expect(
        pullVimanaImage({ ...reference, insecure: true, timeoutMs: 300 }),
      ).rejects.toThrow(/: no answer within 300 ms$/);
    } finally {
      stalling.stop(true);
    }
  });
});
