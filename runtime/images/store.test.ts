// The image store against a real registry (the shared fixture), pulling with src/oci.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ComponentName, componentName, type ImageReference } from "../../src/names/index.ts";
import {
  type Fetch,
  pullChangedVimanaImage,
  pullVimanaImage,
  pushVimanaImage,
  sha256Digest,
} from "../../src/oci/index.ts";
import {
  blobGets,
  exampleLayers,
  type Layers,
  randomComponentName,
  recordingFetch,
  registryBlobPath,
  uniqueComponent,
} from "../../src/oci/testdata/images.ts";
import { type RegistryFixture, startRegistry, withServiceLogs } from "../tests/fixtures/index.ts";
import { ImageStore } from "./index.ts";
import { TEMP_PREFIX } from "./layout.ts";
import { listTree, walkUsage } from "./testdata/walk.ts";

let registry: RegistryFixture;
let adder: Layers;
let multiplier: Layers;
const roots: string[] = [];

beforeAll(async () => {
  [registry, adder, multiplier] = await Promise.all([
    startRegistry(),
    exampleLayers("adder-wat"),
    exampleLayers("multiplier-wat"),
  ]);
});
afterAll(() => registry?.stop());
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

const inRegistry = <T>(body: () => Promise<T>) => withServiceLogs([registry], body);
const spec = (text: string) => new TextEncoder().encode(text);

async function freshRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "vimana-images-"));
  roots.push(root);
  return root;
}

function openStore(root: string, fetch?: Fetch): Promise<ImageStore> {
  return ImageStore.open({
    root,
    pull: (reference) => pullVimanaImage({ ...reference, insecure: true, fetch }),
  });
}

async function push(layers: Layers, component: ComponentName = randomComponentName()) {
  const image = await pushVimanaImage({
    registry: registry.host,
    component,
    insecure: true,
    componentBytes: layers.component,
    metadataBytes: layers.metadata,
  });
  const reference: ImageReference = { registry: registry.host, component };
  return { reference, component, digest: image.digest, manifest: image.manifest };
}

function expectUsageMatchesWalk(store: ImageStore): void {
  expect(store.usage()).toEqual(walkUsage(store.root));
}

describe("pull", () => {
  test("stores the image in <root>/<domain>/<server>/<version>/ and reports it", () =>
    inRegistry(async () => {
      const { reference, component, digest, manifest } = await push(adder);
      const store = await openStore(await freshRoot());
      const stored = await store.pull(reference, spec("spec-1"));

      const dir = `${component.domain}/${component.server}/${component.version}`;
      expect(listTree(store.root)).toEqual([
        component.domain,
        `${component.domain}/${component.server}`,
        dir,
        `${dir}/component.wasm`,
        `${dir}/image-spec.binpb`,
        `${dir}/manifest.json`,
        `${dir}/metadata.binpb`,
      ]);
      const file = (name: string): Promise<Uint8Array> =>
        Bun.file(join(store.root, dir, name)).bytes();
      expect(await file("component.wasm")).toEqual(adder.component);
      expect(await file("metadata.binpb")).toEqual(adder.metadata);
      expect(await file("manifest.json")).toEqual(manifest);
      expect(await file("image-spec.binpb")).toEqual(spec("spec-1"));

      const size =
        adder.component.length + adder.metadata.length + manifest.length + spec("spec-1").length;
      const expected = { component, digest, size, imageSpec: spec("spec-1") };
      expect(stored).toEqual(expected);
      expect(await store.status(component)).toEqual(expected);
      expect(await store.load(component)).toEqual({
        digest,
        component: adder.component,
        metadata: adder.metadata,
      });
      expect(store.usage()).toEqual({ bytes: size, inodes: 7 });
      expectUsageMatchesWalk(store);
    }));

  test("pulling again replaces the image and its ImageSpec", () =>
    inRegistry(async () => {
      const component = randomComponentName();
      const first = await push(adder, component);
      const store = await openStore(await freshRoot());
      await store.pull(first.reference, spec("first"));
      // The same tag, now pointing at another image.
      const second = await push(multiplier, component);
      const stored = await store.pull(second.reference, spec("the second spec"));

      expect(stored.digest).toBe(second.digest);
      expect(await store.status(component)).toEqual(stored);
      expect((await store.load(component))?.component).toEqual(multiplier.component);
      expect(listTree(store.root).filter((path) => path.startsWith(TEMP_PREFIX))).toEqual([]);
      expectUsageMatchesWalk(store);
    }));

  test("concurrent pulls of one image download it once", () =>
    inRegistry(async () => {
      const { reference, digest } = await push(adder);
      const { fetch, requests } = recordingFetch();
      const store = await openStore(await freshRoot(), fetch);

      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.pull(reference, spec("same"))),
      );
      // One pull: every caller gets the very same result.
      expect(new Set(results).size).toBe(1);
      expect(results[0]?.digest).toBe(digest);
      expect(requests.filter((r) => r.url.includes("/manifests/"))).toHaveLength(1);
      expect(blobGets(requests)).toBe(3); // config and two layers

      // Finished pulls are not remembered: the next one asks the registry again.
      await store.pull(reference, spec("same"));
      expect(blobGets(requests)).toBe(6);
      expectUsageMatchesWalk(store);
    }));

  test("pull policy Always: an unchanged image costs one manifest request, a changed one is replaced", () =>
    inRegistry(async () => {
      const component = randomComponentName();
      const first = await push(adder, component);
      const { fetch, requests } = recordingFetch();
      const store = await ImageStore.open({
        root: await freshRoot(),
        pull: (reference, storedDigest) => {
          const options = { ...reference, insecure: true, fetch };
          return storedDigest === undefined
            ? pullVimanaImage(options)
            : pullChangedVimanaImage(options, storedDigest);
        },
      });
      const stored = await store.pull(first.reference, spec("first"));
      expect(blobGets(requests)).toBe(3);
      const again = await store.pull(first.reference, spec("second"));
      expect(again).toEqual(stored);
      expect(blobGets(requests)).toBe(3);
      expect(requests.filter((r) => r.url.includes("/manifests/"))).toHaveLength(2);

      const second = await push(multiplier, component);
      const replaced = await store.pull(second.reference, spec("third"));
      expect(replaced.digest).toBe(second.digest);
      expect(blobGets(requests)).toBe(6);
      expect((await store.load(component))?.component).toEqual(multiplier.component);
      expectUsageMatchesWalk(store);
    }));

  test("list: every stored image, nothing else in the root", () =>
    inRegistry(async () => {
      const pushed = await Promise.all([push(adder), push(multiplier)]);
      const root = await freshRoot();
      const store = await openStore(root);
      for (const { reference } of pushed) await store.pull(reference, spec("x"));
      await mkdir(join(root, "not-a-domain", "server", "1"), { recursive: true });
      const listed = await store.list();
      expect(listed.map((image) => image.digest).sort()).toEqual(
        pushed.map((image) => image.digest).sort(),
      );
    }));

  test("pulls of different images run side by side and all land", () =>
    inRegistry(async () => {
      const pushed = await Promise.all([push(adder), push(multiplier), push(adder)]);
      const store = await openStore(await freshRoot());
      await Promise.all(pushed.map(({ reference }, i) => store.pull(reference, spec(`s${i}`))));
      for (const { component, digest } of pushed) {
        expect((await store.status(component))?.digest).toBe(digest);
      }
      expectUsageMatchesWalk(store);
    }));

  test("a blob that does not match its digest: the pull fails and nothing is stored", () =>
    inRegistry(async () => {
      const unique = { ...adder, component: uniqueComponent(adder.component) };
      const { reference, component } = await push(unique);
      const blobPath = registryBlobPath(registry.dir, sha256Digest(unique.component));
      const corrupt = await Bun.file(blobPath).bytes();
      corrupt.set([(corrupt.at(-1) ?? 0) ^ 0xff], corrupt.length - 1);
      await writeFile(blobPath, corrupt);

      const store = await openStore(await freshRoot());
      await expect(store.pull(reference, spec("x"))).rejects.toThrow(
        `blob ${sha256Digest(unique.component)} (layer 0, application/wasm) does not match its digest`,
      );
      expect(await store.status(component)).toBeUndefined();
      expect(await store.load(component)).toBeUndefined();
      expect(listTree(store.root)).toEqual([]);
      expect(store.usage()).toEqual({ bytes: 0, inodes: 0 });
    }));

  test("a registry that is down: the pull fails with the image named, nothing is stored", async () => {
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const reference = { registry: `127.0.0.1:${closed.port}`, component: randomComponentName() };
    closed.stop(true);
    const store = await openStore(await freshRoot());
    await expect(store.pull(reference, spec("x"))).rejects.toThrow(
      `Pulling 127.0.0.1:${closed.port}/${reference.component.domain}/adder:1.0.0: GET`,
    );
    expect(listTree(store.root)).toEqual([]);
  });
});

describe("status, load and remove", () => {
  test("an image never pulled: status and load say absent, remove succeeds", async () => {
    const store = await openStore(await freshRoot());
    const component = randomComponentName();
    expect(await store.status(component)).toBeUndefined();
    expect(await store.load(component)).toBeUndefined();
    await store.remove(component);
    expect(listTree(store.root)).toEqual([]);
  });

  test("an image missing a file counts as absent, so kubelet pulls it again", () =>
    inRegistry(async () => {
      const { reference, component } = await push(adder);
      const store = await openStore(await freshRoot());
      await store.pull(reference, spec("x"));
      const dir = join(store.root, component.domain, component.server, component.version);
      await rm(join(dir, "image-spec.binpb"));
      expect(await store.status(component)).toBeUndefined();
      await rm(join(dir, "component.wasm"));
      expect(await store.load(component)).toBeUndefined();
    }));

  test("remove deletes the version, then the server and domain directories once empty", () =>
    inRegistry(async () => {
      const domainMate = randomComponentName("adder", "1.0.0");
      const sameServer = componentName(domainMate.domain, "adder", "2.0.0");
      const otherServer = componentName(domainMate.domain, "multiplier", "1.0.0");
      // One after another: docker-registry 2.8 can lose a blob link when the same blob is pushed
      // to one repository twice at once (MANIFEST_BLOB_UNKNOWN), and two of these share one.
      const images = [];
      for (const component of [domainMate, sameServer, otherServer]) {
        images.push(await push(adder, component));
      }
      const store = await openStore(await freshRoot());
      for (const { reference } of images) await store.pull(reference, spec("x"));
      expectUsageMatchesWalk(store);

      await store.remove(domainMate);
      expect(await store.status(domainMate)).toBeUndefined();
      expect(await readdir(join(store.root, domainMate.domain, "adder"))).toEqual(["2.0.0"]);
      expectUsageMatchesWalk(store);

      await store.remove(sameServer);
      expect(await readdir(join(store.root, domainMate.domain))).toEqual(["multiplier"]);
      expectUsageMatchesWalk(store);

      await store.remove(otherServer);
      expect(listTree(store.root)).toEqual([]);
      expect(store.usage()).toEqual({ bytes: 0, inodes: 0 });

      await store.remove(otherServer); // again: still fine
    }));
});

describe("restart", () => {
  test("a store opened again counts exactly what is on disk", () =>
    inRegistry(async () => {
      const root = await freshRoot();
      const first = await openStore(root);
      const [a, b] = await Promise.all([push(adder), push(multiplier)]);
      await first.pull(a.reference, spec("a"));
      await first.pull(b.reference, spec("b"));
      // Something that is not an image, as on any real disk.
      await writeFile(join(root, "stray-file"), "hello");

      const second = await openStore(root);
      expect(second.usage()).toEqual({
        bytes: first.usage().bytes + 5,
        inodes: first.usage().inodes + 1,
      });
      expectUsageMatchesWalk(second);
      expect(await second.status(a.component)).toEqual(await first.status(a.component));
    }));

  test("a pull killed mid-write leaves a temporary directory, deleted at the next open", () =>
    inRegistry(async () => {
      const root = await freshRoot();
      const { reference, component } = await push(adder);
      const before = await openStore(root);
      await before.pull(reference, spec("kept"));

      // What a process killed while writing a pull leaves: a temporary directory with part of
      // an image, and one from a replace that was renamed away but not yet deleted.
      const interrupted = join(root, `${TEMP_PREFIX}interrupted-pull`);
      await mkdir(interrupted);
      await writeFile(join(interrupted, "component.wasm"), adder.component.subarray(0, 1000));
      const replaced = join(root, `${TEMP_PREFIX}replaced-image`);
      await mkdir(replaced);
      await writeFile(join(replaced, "component.wasm"), adder.component);
      await writeFile(join(replaced, "manifest.json"), "{}");

      const after = await openStore(root);
      expect(listTree(root).filter((path) => path.startsWith(TEMP_PREFIX))).toEqual([]);
      expectUsageMatchesWalk(after);
      expect(after.usage()).toEqual(before.usage());
      expect((await after.load(component))?.component).toEqual(adder.component);
      expect((await after.status(component))?.imageSpec).toEqual(spec("kept"));
      // And the same image pulls cleanly again.
      await after.pull(reference, spec("again"));
      expectUsageMatchesWalk(after);
    }));

  test("the root is created when missing", async () => {
    const root = join(await freshRoot(), "nested", "images");
    const store = await openStore(root);
    expect(await readdir(root)).toEqual([]);
    expect(store.usage()).toEqual({ bytes: 0, inodes: 0 });
  });
});
