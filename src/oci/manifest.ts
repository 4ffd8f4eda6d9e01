import { isSha256Digest } from "./digest.ts";
import {
  COMPONENT_MEDIA_TYPE,
  CONFIG_MEDIA_TYPE,
  type Descriptor,
  MANIFEST_MEDIA_TYPE,
  METADATA_MEDIA_TYPE,
} from "./image-format.ts";

/** A manifest that has the shape of a Vimana image: a config and exactly two layers. */
export interface VimanaManifest {
  readonly config: Descriptor;
  readonly component: Descriptor;
  readonly metadata: Descriptor;
}

/**
 * Parses and checks a manifest. Unlike the original, which read only the layer digests, every
 * media type is checked here and every descriptor must carry a sha256 digest and a size, so the
 * blobs can be verified.
 */
export function parseVimanaManifest(bytes: Uint8Array): VimanaManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`Failed decoding manifest: ${(error as Error).message}`, { cause: error });
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) {
    throw new Error("Failed decoding manifest: not a JSON object");
  }
  const { schemaVersion, mediaType, config, layers } = manifest as Record<string, unknown>;
  if (schemaVersion !== 2) {
    throw new Error(`Unsupported manifest schemaVersion: ${JSON.stringify(schemaVersion)}`);
  }
  // Optional in OCI, but when present it must say what we asked for.
  if (mediaType !== undefined && mediaType !== MANIFEST_MEDIA_TYPE) {
    throw new Error(`Unexpected manifest mediaType: ${JSON.stringify(mediaType)}`);
  }
  if (!Array.isArray(layers)) {
    throw new Error("Manifest has no layers array");
  }
  if (layers.length !== 2) {
    throw new Error(`Unexpected container layer count: ${layers.length}`);
  }
  return {
    config: descriptor(config, "config", CONFIG_MEDIA_TYPE),
    component: descriptor(layers[0], "layer 0", COMPONENT_MEDIA_TYPE),
    metadata: descriptor(layers[1], "layer 1", METADATA_MEDIA_TYPE),
  };
}

function descriptor(value: unknown, what: string, expectedMediaType: string): Descriptor {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`Manifest ${what} is not a descriptor object`);
  }
  const { mediaType, size, digest } = value as Record<string, unknown>;
  if (mediaType !== expectedMediaType) {
    throw new Error(
      `Manifest ${what} has mediaType ${JSON.stringify(mediaType)}, expected ${JSON.stringify(expectedMediaType)}`,
    );
  }
  if (!isSha256Digest(digest)) {
    throw new Error(`Manifest ${what} has digest ${JSON.stringify(digest)}, expected sha256:<hex>`);
  }
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new Error(`Manifest ${what} has size ${JSON.stringify(size)}, expected a byte count`);
  }
  return { mediaType, size, digest };
}
