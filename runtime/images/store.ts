import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  type ComponentName,
  componentName,
  formatComponentName,
  formatImageReference,
  type ImageReference,
  parseDomainUuid,
} from "../../src/names/index.ts";
import { type PulledVimanaImage, sha256Digest } from "../../src/oci/index.ts";
import { isNotFound, mkdirIfAbsent, syncDirectory, writeDurably } from "./files.ts";
import {
  COMPONENT_FILE,
  IMAGE_SPEC_FILE,
  imageDir,
  MANIFEST_FILE,
  METADATA_FILE,
  TEMP_PREFIX,
} from "./layout.ts";
import { Serial } from "./serial.ts";
import { type FilesystemUsage, measure, measureContents, measureIfPresent } from "./usage.ts";

/**
 * Fetches and verifies an image; vimanad passes src/oci's pulls with its settings. Given the
 * digest of the stored image, it may answer undefined: the registry's manifest has that digest,
 * nothing was downloaded (pull policy `Always` on an unchanged image).
 */
export type PullImage = (
  reference: ImageReference,
  storedDigest?: string,
) => Promise<PulledVimanaImage | undefined>;

export interface ImageStoreOptions {
  /** The store's directory (ImageFsInfo's mountpoint); created if missing. */
  readonly root: string;
  readonly pull: PullImage;
}

/** What ImageStatus reports of a stored image. */
export interface StoredImage {
  readonly component: ComponentName;
  /** The manifest's digest. */
  readonly digest: string;
  /** Bytes of all the image's files: what removing it frees. */
  readonly size: number;
  /** The CRI ImageSpec given to the pull that stored it, protobuf-encoded. */
  readonly imageSpec: Uint8Array;
}

/** What a pod is made from. */
export interface ImageContents {
  readonly digest: string;
  readonly component: Uint8Array;
  readonly metadata: Uint8Array;
}

/**
 * Pulled images on disk, one directory each (ref §3.3). A pull is written to a temporary
 * directory inside the root and renamed into place, so an image is either whole or absent;
 * commits, removals and reads take turns, so no reader sees an image half replaced. Usage is
 * counted from a scan at open and kept exact as images come and go.
 */
export class ImageStore {
  readonly root: string;
  readonly #pull: PullImage;
  readonly #usage: FilesystemUsage;
  readonly #serial = new Serial();
  readonly #pulls = new Map<string, Promise<StoredImage>>();

  private constructor(root: string, pull: PullImage, usage: FilesystemUsage) {
    this.root = root;
    this.#pull = pull;
    this.#usage = usage;
  }

  /** Opens the store: deletes what interrupted pulls left behind, then counts what is there. */
  static async open(options: ImageStoreOptions): Promise<ImageStore> {
    const { root, pull } = options;
    await mkdir(root, { recursive: true });
    for (const name of await readdir(root)) {
      if (name.startsWith(TEMP_PREFIX)) {
        await rm(join(root, name), { recursive: true, force: true });
      }
    }
    return new ImageStore(root, pull, await measureContents(root));
  }

  /**
   * Pulls an image and stores it, replacing a stored one of the same component. Concurrent
   * pulls of one reference share one download; the first caller's ImageSpec is kept.
   */
  pull(reference: ImageReference, imageSpec: Uint8Array): Promise<StoredImage> {
    const key = formatImageReference(reference);
    let pulling = this.#pulls.get(key);
    if (pulling === undefined) {
      pulling = this.#pullOnce(reference, imageSpec).finally(() => this.#pulls.delete(key));
      this.#pulls.set(key, pulling);
    }
    return pulling;
  }

  /** The stored image, or undefined if it is not (completely) there. */
  status(component: ComponentName): Promise<StoredImage | undefined> {
    return this.#serial.run(() =>
      this.#unlessAbsent(component, async (dir) => {
        const [manifest, imageSpec, { bytes }] = await Promise.all([
          readFile(join(dir, MANIFEST_FILE)),
          readFile(join(dir, IMAGE_SPEC_FILE)),
          measure(dir),
        ]);
        return {
          component,
          digest: sha256Digest(manifest),
          size: bytes,
          imageSpec: bytesOf(imageSpec),
        };
      }),
    );
  }

  /** The component and Metadata of a stored image, or undefined if it is not there. */
  load(component: ComponentName): Promise<ImageContents | undefined> {
    return this.#serial.run(() =>
      this.#unlessAbsent(component, async (dir) => {
        const [manifest, wasm, metadata] = await Promise.all([
          readFile(join(dir, MANIFEST_FILE)),
          readFile(join(dir, COMPONENT_FILE)),
          readFile(join(dir, METADATA_FILE)),
        ]);
        return {
          digest: sha256Digest(manifest),
          component: bytesOf(wasm),
          metadata: bytesOf(metadata),
        };
      }),
    );
  }

  /** Removes an image, and its server and domain directories once empty. Absent is fine. */
  remove(component: ComponentName): Promise<void> {
    return this.#serial.run(async () => {
      const dir = imageDir(this.root, component);
      try {
        const removed = await measureIfPresent(dir);
        if (removed === undefined) return;
        // Renamed away first: a crash mid-delete leaves a temporary directory, not half an image.
        const trash = join(this.root, `${TEMP_PREFIX}${crypto.randomUUID()}`);
        await rename(dir, trash);
        this.#subtract(removed);
        await rm(trash, { recursive: true, force: true });
        await this.#removeEmptyParents(dir);
      } catch (error) {
        throw storeError("Removing", component, error);
      }
    });
  }

  /** Bytes and inodes under the root, as a directory walk would count them. */
  usage(): FilesystemUsage {
    return { ...this.#usage };
  }

  /** Every stored image (what ListImages adds to the downstream runtime's). */
  async list(): Promise<StoredImage[]> {
    const found: StoredImage[] = [];
    for (const component of await this.#scan()) {
      const stored = await this.status(component);
      if (stored !== undefined) found.push(stored);
    }
    return found;
  }

  async #scan(): Promise<ComponentName[]> {
    const names: ComponentName[] = [];
    const entries = async (dir: string) =>
      (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter(
        (entry) => entry.isDirectory() && !entry.name.startsWith(TEMP_PREFIX),
      );
    for (const domain of await entries(this.root)) {
      for (const server of await entries(join(this.root, domain.name))) {
        for (const version of await entries(join(this.root, domain.name, server.name))) {
          try {
            const uuid = parseDomainUuid(domain.name);
            names.push(componentName(uuid, server.name, version.name));
          } catch {
            // Not an image directory (a name no component can have): not ours to list.
          }
        }
      }
    }
    return names;
  }

  async #pullOnce(reference: ImageReference, imageSpec: Uint8Array): Promise<StoredImage> {
    const stored = await this.status(reference.component);
    const pulled = await this.#pull(reference, stored?.digest);
    // The registry still has what is stored: nothing was downloaded, nothing changes.
    if (pulled === undefined) {
      if (stored !== undefined) return stored;
      const broken = new Error("the pull answered 'unchanged' for an image that is not stored");
      throw storeError("Pulling", reference.component, broken);
    }
    try {
      return await this.#store(reference.component, pulled, imageSpec);
    } catch (error) {
      throw storeError("Storing", reference.component, error);
    }
  }

  async #store(
    component: ComponentName,
    pulled: PulledVimanaImage,
    imageSpec: Uint8Array,
  ): Promise<StoredImage> {
    const staging = await mkdtemp(join(this.root, TEMP_PREFIX));
    try {
      const files = [
        [COMPONENT_FILE, pulled.component],
        [METADATA_FILE, pulled.metadata],
        [MANIFEST_FILE, pulled.manifest],
        [IMAGE_SPEC_FILE, imageSpec],
      ] as const;
      for (const [name, bytes] of files) await writeDurably(join(staging, name), bytes);
      await syncDirectory(staging);
      const size = await this.#serial.run(() => this.#commit(component, staging));
      return { component, digest: pulled.digest, size, imageSpec };
    } finally {
      // Gone after a successful commit; otherwise nothing of this pull stays.
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Moves a written image into place; returns its size in bytes. */
  async #commit(component: ComponentName, staging: string): Promise<number> {
    const dir = imageDir(this.root, component);
    const serverDir = dirname(dir);
    const added = await measure(staging);
    for (const parent of [dirname(serverDir), serverDir]) {
      if (await mkdirIfAbsent(parent)) this.#usage.inodes += 1;
    }
    const replaced = await measureIfPresent(dir);
    const trash = join(this.root, `${TEMP_PREFIX}${crypto.randomUUID()}`);
    try {
      if (replaced !== undefined) {
        await rename(dir, trash);
        this.#subtract(replaced);
      }
      await rename(staging, dir);
      this.#usage.bytes += added.bytes;
      this.#usage.inodes += added.inodes;
      await syncDirectory(serverDir);
      return added.bytes;
    } finally {
      if (replaced !== undefined) await rm(trash, { recursive: true, force: true });
    }
  }

  /** The original's order: version's parent (server), then domain; stops at the first failure. */
  async #removeEmptyParents(dir: string): Promise<void> {
    const serverDir = dirname(dir);
    for (const parent of [serverDir, dirname(serverDir)]) {
      try {
        await rmdir(parent);
      } catch {
        return; // not empty: another version or server lives there
      }
      this.#usage.inodes -= 1;
    }
  }

  #subtract(usage: FilesystemUsage): void {
    this.#usage.bytes -= usage.bytes;
    this.#usage.inodes -= usage.inodes;
  }

  async #unlessAbsent<T>(
    component: ComponentName,
    read: (dir: string) => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await read(imageDir(this.root, component));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeError("Reading", component, error);
    }
  }
}

function bytesOf(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function storeError(action: string, component: ComponentName, cause: unknown): Error {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new Error(`${action} image ${formatComponentName(component)}: ${detail}`, { cause });
}
