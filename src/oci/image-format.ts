// The Vimana image format (ref §3.1), byte for byte as the original's pusher writes it, so an
// image pushed by either implementation pulls in the other.
import { decodeMetadata } from "../metadata/index.ts";
import { sha256Digest } from "./digest.ts";

export const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
export const CONFIG_MEDIA_TYPE = "application/vnd.wasm.config.v0+json";
export const COMPONENT_MEDIA_TYPE = "application/wasm";
export const METADATA_MEDIA_TYPE = "application/protobuf";

/** An OCI content descriptor, keys in the order the original writes them. */
export interface Descriptor {
  readonly mediaType: string;
  readonly size: number;
  readonly digest: string;
}

/** Everything a registry holds for one image: three blobs and the manifest naming them. */
export interface VimanaImage {
  readonly component: Uint8Array;
  readonly metadata: Uint8Array;
  readonly config: Uint8Array;
  readonly manifest: Uint8Array;
  /** The manifest's digest: the image's identity. */
  readonly digest: string;
}

const encoder = new TextEncoder();

/** Builds the config blob and manifest for a component and its binary Metadata. */
export function buildVimanaImage(
  component: Uint8Array,
  metadata: Uint8Array,
  created: Date = new Date(),
): VimanaImage {
  const componentDescriptor = describe(COMPONENT_MEDIA_TYPE, component);
  const metadataDescriptor = describe(METADATA_MEDIA_TYPE, metadata);
  // JSON.stringify writes Python's `separators=(',', ':')` and keeps insertion order.
  const config = encoder.encode(
    JSON.stringify({
      created: formatCreated(created),
      architecture: "wasm",
      // Deliberately not the CNCF Wasm artifact's `wasip2`: the Metadata layer is no component.
      os: "vimana",
      layerDigests: [componentDescriptor.digest, metadataDescriptor.digest],
      component: {},
    }),
  );
  const manifest = encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      config: describe(CONFIG_MEDIA_TYPE, config),
      layers: [componentDescriptor, metadataDescriptor],
    }),
  );
  return { component, metadata, config, manifest, digest: sha256Digest(manifest) };
}

function describe(mediaType: string, blob: Uint8Array): Descriptor {
  return { mediaType, size: blob.byteLength, digest: sha256Digest(blob) };
}

/** Python's `%Y-%m-%dT%H:%M:%S.%fZ` in UTC: microseconds, of which a Date knows the millis. */
export function formatCreated(created: Date): string {
  return created.toISOString().replace(/Z$/, "000Z");
}

// A component binary starts with `\0asm`, version 0x0d, layer 1 (a core module has layer 0).
const COMPONENT_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/**
 * Checks what can be checked of the two layers without compiling: the component's preamble, and
 * that the Metadata decodes. Pushing or storing an image vimanad cannot serve helps nobody.
 */
export function checkLayers(component: Uint8Array, metadata: Uint8Array): void {
  if (COMPONENT_PREAMBLE.some((byte, index) => component[index] !== byte)) {
    const isCoreModule = component[4] === 0x01 && component[5] === 0x00;
    throw new Error(
      `the ${COMPONENT_MEDIA_TYPE} layer is ${
        isCoreModule
          ? "a core WebAssembly module, not a component"
          : "not a WebAssembly component (bad magic, version or layer)"
      }`,
    );
  }
  try {
    decodeMetadata(metadata);
  } catch (error) {
    throw new Error(
      `the ${METADATA_MEDIA_TYPE} layer is not valid Metadata: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
