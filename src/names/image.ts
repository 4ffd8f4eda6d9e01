import { type ComponentName, componentName } from "./component.ts";
import { parseDomainUuid } from "./domain.ts";
import { debugQuote, NameError } from "./errors.ts";

/** What a Vimana image reference names: where to pull from, and which component. */
export interface ImageReference {
  readonly registry: string;
  readonly component: ComponentName;
}

// `<registry>/<domain>/<server>:<version>`; the registry may carry a `:port`, and the server
// runs up to the first `:` after the second `/`.
const IMAGE = /^([^/]*)\/([^/]*)\/([^:]*):(.*)$/;

export function parseImageReference(image: string): ImageReference {
  const match = IMAGE.exec(image);
  if (match !== null) {
    const [, registry = "", domain = "", server = "", version = ""] = match;
    try {
      return { registry, component: componentName(parseDomainUuid(domain), server, version) };
    } catch (cause) {
      throw new NameError(`Invalid image ID: ${debugQuote(image)}`, { cause });
    }
  }
  throw new NameError(`Invalid image ID: ${debugQuote(image)}`);
}

/** `<registry>/<domain>/<server>:<version>`. Inverse of {@link parseImageReference}. */
export function formatImageReference(reference: ImageReference): string {
  const { registry, component } = reference;
  return `${registry}/${imageRepository(component)}:${component.version}`;
}

/** The registry repository holding every version of a server; the tag is the version. */
export function imageRepository(component: ComponentName): string {
  return `${component.domain}/${component.server}`;
}
