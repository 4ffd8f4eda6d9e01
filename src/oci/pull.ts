import { formatImageReference, type ImageReference, imageRepository } from "../names/index.ts";
import { describeFailure, RegistryClient, type RegistryConnection } from "./client.ts";
import { sha256Digest } from "./digest.ts";
import { OciError } from "./errors.ts";
import { checkLayers, type Descriptor, MANIFEST_MEDIA_TYPE } from "./image-format.ts";
import { parseVimanaManifest } from "./manifest.ts";

export interface PullOptions extends ImageReference, RegistryConnection {}

/** A pulled image whose every blob matched its descriptor's digest and size. */
export interface PulledVimanaImage {
  /** The manifest's digest: the image's identity. */
  readonly digest: string;
  readonly manifest: Uint8Array;
  readonly component: Uint8Array;
  /** The binary Metadata, as the registry holds it (it decodes). */
  readonly metadata: Uint8Array;
}

// Manifests are small; a registry answering megabytes is broken or hostile.
const MANIFEST_LIMIT = 4 * 1024 * 1024;

/**
 * Pulls a Vimana image (ref §3.2): the manifest by tag, then the config and both layers, in
 * parallel. Every blob is checked against its descriptor; the first failure, in layer order,
 * is the error.
 */
export async function pullVimanaImage(options: PullOptions): Promise<PulledVimanaImage> {
  return (await pull(options, undefined)) as PulledVimanaImage;
}

/**
 * A pull for pull policy `Always`: the manifest only, and undefined if its digest is
 * `storedDigest` (the image has not changed); otherwise the whole image, as pullVimanaImage.
 */
export function pullChangedVimanaImage(
  options: PullOptions,
  storedDigest: string,
): Promise<PulledVimanaImage | undefined> {
  return pull(options, storedDigest);
}

async function pull(
  options: PullOptions,
  storedDigest: string | undefined,
): Promise<PulledVimanaImage | undefined> {
  try {
    const client = new RegistryClient(options);
    const repository = imageRepository(options.component);
    const { manifest, digest } = await fetchManifest(client, repository, options.component.version);
    if (digest === storedDigest) return undefined;
    const descriptors = parseVimanaManifest(manifest);
    const fetched = await Promise.allSettled([
      fetchBlob(client, repository, descriptors.component, "layer 0"),
      fetchBlob(client, repository, descriptors.metadata, "layer 1"),
      fetchBlob(client, repository, descriptors.config, "config"),
    ]);
    const [component, metadata] = fetched.map((result) => {
      if (result.status === "rejected") throw result.reason;
      return result.value;
    }) as [Uint8Array, Uint8Array, Uint8Array];
    checkLayers(component, metadata);
    return { digest, manifest, component, metadata };
  } catch (error) {
    throw new OciError("pull", formatImageReference(options), error);
  }
}

async function fetchManifest(
  client: RegistryClient,
  repository: string,
  tag: string,
): Promise<{ manifest: Uint8Array; digest: string }> {
  const url = client.url(`${repository}/manifests/${tag}`);
  const answer = await client.request("GET", url, {
    headers: { accept: MANIFEST_MEDIA_TYPE },
    maxBytes: MANIFEST_LIMIT,
  });
  if (answer.status !== 200) {
    throw new Error(
      `Failed fetching manifest ${url}: ${describeFailure(answer.status, answer.body)}`,
    );
  }
  const digest = sha256Digest(answer.body);
  const claimed = answer.headers.get("docker-content-digest");
  if (claimed !== null && claimed !== digest) {
    throw new Error(`Manifest ${url} has digest ${digest}, but the registry says ${claimed}`);
  }
  return { manifest: answer.body, digest };
}

async function fetchBlob(
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
  what: string,
): Promise<Uint8Array> {
  const url = client.url(`${repository}/blobs/${descriptor.digest}`);
  const name = `blob ${descriptor.digest} (${what}, ${descriptor.mediaType})`;
  let blob: Uint8Array;
  try {
    const answer = await client.request("GET", url, { maxBytes: descriptor.size });
    if (answer.status !== 200) throw new Error(describeFailure(answer.status, answer.body));
    blob = answer.body;
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
  }
  if (blob.byteLength !== descriptor.size) {
    throw new Error(`${name} is ${blob.byteLength} bytes, the manifest says ${descriptor.size}`);
  }
  const digest = sha256Digest(blob);
  if (digest !== descriptor.digest) {
    throw new Error(`${name} does not match its digest: the registry sent content with ${digest}`);
  }
  return blob;
}
