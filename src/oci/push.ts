import { formatImageReference, type ImageReference, imageRepository } from "../names/index.ts";
import { describeFailure, isSuccess, RegistryClient, type RegistryConnection } from "./client.ts";
import { sha256Digest } from "./digest.ts";
import { OciError } from "./errors.ts";
import {
  buildVimanaImage,
  checkLayers,
  MANIFEST_MEDIA_TYPE,
  type VimanaImage,
} from "./image-format.ts";

export interface PushOptions extends ImageReference, RegistryConnection {
  readonly componentBytes: Uint8Array;
  /** Binary Metadata (`work.runtime.Metadata`). */
  readonly metadataBytes: Uint8Array;
  /** The config's `created`; now by default. */
  readonly created?: Date;
  onProgress?(progress: PushProgress): void;
}

/** One upload done: the three blobs in order, then the manifest. */
export interface PushProgress {
  readonly step: "component" | "metadata" | "config" | "manifest";
  readonly digest: string;
  readonly size: number;
}

// Upload answers are tiny (an empty body or a short JSON).
const ANSWER_LIMIT = 64 * 1024;

/**
 * Pushes a Vimana image exactly as the original's pusher does (ref §3.1): each blob by a
 * monolithic POST-then-PUT upload (component, metadata, config), then the manifest under the
 * version tag. The layers are checked first: an image vimanad cannot serve is not pushed.
 */
export async function pushVimanaImage(options: PushOptions): Promise<VimanaImage> {
  try {
    checkLayers(options.componentBytes, options.metadataBytes);
    const image = buildVimanaImage(options.componentBytes, options.metadataBytes, options.created);
    const client = new RegistryClient(options);
    const repository = imageRepository(options.component);
    const blobs = [
      ["component", image.component],
      ["metadata", image.metadata],
      ["config", image.config],
    ] as const;
    for (const [step, blob] of blobs) {
      const digest = await uploadBlob(client, repository, blob, step);
      options.onProgress?.({ step, digest, size: blob.byteLength });
    }
    await putManifest(client, repository, options.component.version, image);
    options.onProgress?.({
      step: "manifest",
      digest: image.digest,
      size: image.manifest.byteLength,
    });
    return image;
  } catch (error) {
    throw new OciError("push", formatImageReference(options), error);
  }
}

/** One blob by a monolithic POST-then-PUT upload; resolves its digest. */
export async function uploadBlob(
  client: RegistryClient,
  repository: string,
  blob: Uint8Array,
  what: string,
): Promise<string> {
  const digest = sha256Digest(blob);
  const postUrl = client.url(`${repository}/blobs/uploads/`);
  const opened = await client.request("POST", postUrl, { maxBytes: ANSWER_LIMIT });
  if (!isSuccess(opened.status)) {
    throw new Error(
      `Failed starting the ${what} upload POST ${postUrl}: ${describeFailure(opened.status, opened.body)}`,
    );
  }
  const location = opened.headers.get("location");
  if (!location) {
    throw new Error(`Response missing 'Location' header for '${postUrl}'`);
  }
  // A relative location is relative to the registry; existing query parameters (the
  // registry's upload state) are kept, and the digest added.
  const putUrl = new URL(location, client.baseUrl);
  putUrl.searchParams.append("digest", digest);
  const closed = await client.request("PUT", putUrl, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(blob.byteLength),
    },
    body: blob,
    maxBytes: ANSWER_LIMIT,
  });
  if (!isSuccess(closed.status)) {
    throw new Error(
      `Failed uploading the ${what} blob ${digest}: ${describeFailure(closed.status, closed.body)}`,
    );
  }
  return digest;
}

/** Puts an OCI image manifest under `tag` and checks the digest the registry stored. */
export async function putManifest(
  client: RegistryClient,
  repository: string,
  tag: string,
  image: Pick<VimanaImage, "manifest" | "digest">,
): Promise<void> {
  const url = client.url(`${repository}/manifests/${tag}`);
  const answer = await client.request("PUT", url, {
    headers: { "content-type": MANIFEST_MEDIA_TYPE },
    body: image.manifest,
    maxBytes: ANSWER_LIMIT,
  });
  if (!isSuccess(answer.status)) {
    throw new Error(
      `Failed putting manifest ${url}: ${describeFailure(answer.status, answer.body)}`,
    );
  }
  const stored = answer.headers.get("docker-content-digest");
  if (stored !== null && stored !== image.digest) {
    throw new Error(`Registry stored manifest ${url} as ${stored}, not ${image.digest}`);
  }
}
