// The names a Vimana image goes by, and how a request that carries no runtime handler (a stock
// kubelet, without the alpha gate RuntimeClassInImageCriApi) is still recognised as Vimana's:
// - the reference `<registry>/<domain>/<server>:<version>`, whose second part is a 32-hex
//   domain ID and whose tag is a valid version — kubelet's ImageStatus and PullImage;
// - the image ID `<domain>:<server>@<version>` that ImageStatus, ListImages and PullImage hand
//   out — kubelet's RemoveImage (image GC) and CreateContainer use it.
// An ordinary image shaped like a reference is still served by the downstream runtime whenever
// the store does not hold it (see image-service.ts).
import {
  type ComponentName,
  formatComponentName,
  formatImageReference,
  imageRepository,
  parseComponentName,
  parseImageReference,
} from "../../src/names/index.ts";

export interface VimanaImageName {
  readonly component: ComponentName;
  /** Known when the name was a reference. */
  readonly registry?: string;
}

/** The Vimana image `text` names (a reference or an image ID), or undefined. */
export function vimanaImageName(text: string): VimanaImageName | undefined {
  try {
    return parseImageReference(text);
  } catch {
    // Not a reference; maybe an image ID.
  }
  try {
    return { component: parseComponentName(text) };
  } catch {
    return undefined;
  }
}

/** The image ID: ImageStatus' `id`, PullImage's `image_ref`, a container's `image_id`. */
export function imageId(component: ComponentName): string {
  return formatComponentName(component);
}

/** `<registry>/<domain>/<server>:<version>`, if the registry is known. */
export function repoTag(image: VimanaImageName): string | undefined {
  if (image.registry === undefined) return undefined;
  return formatImageReference({ registry: image.registry, component: image.component });
}

/** `<registry>/<domain>/<server>@<manifest digest>` (without the registry if unknown). */
export function repoDigest(image: VimanaImageName, digest: string): string {
  const repository = imageRepository(image.component);
  return image.registry === undefined
    ? `${repository}@${digest}`
    : `${image.registry}/${repository}@${digest}`;
}

/** The first of `texts` that is a reference, with its registry. */
export function pulledAs(texts: readonly (string | undefined)[]): VimanaImageName | undefined {
  for (const text of texts) {
    const name = text ? vimanaImageName(text) : undefined;
    if (name?.registry !== undefined) return name;
  }
  return undefined;
}
