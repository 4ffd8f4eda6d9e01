// Where the store keeps an image (ref §3.3): `<root>/<domain>/<server>/<version>/`.
import { join } from "node:path";
import type { ComponentName } from "../../src/names/index.ts";

/** The component as pulled: raw wasm, compiled by the host when a pod needs it. */
export const COMPONENT_FILE = "component.wasm";
/** The binary Metadata (`work.runtime.Metadata`) as pulled. */
export const METADATA_FILE = "metadata.binpb";
/** The OCI manifest as pulled: its digest is the image's identity. */
export const MANIFEST_FILE = "manifest.json";
/** The CRI `ImageSpec` of the PullImage request, protobuf-encoded, as the original keeps it. */
export const IMAGE_SPEC_FILE = "image-spec.binpb";

/**
 * Pulls are written under `<root>/.tmp-…` and renamed into place; whatever has this prefix at
 * start was left by a process that died mid-pull (or mid-remove) and is deleted. Domain IDs are
 * hex, so no image directory can start with a dot.
 */
export const TEMP_PREFIX = ".tmp-";

export function imageDir(root: string, component: ComponentName): string {
  return join(root, component.domain, component.server, component.version);
}
