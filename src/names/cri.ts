import { type ComponentName, componentName } from "./component.ts";
import { parseDomainUuid } from "./domain.ts";
import { NameError } from "./errors.ts";
import { formatPodName, type PodName, parsePodName } from "./pod.ts";

/** Runtime handler that marks a pod (and its images) as Vimana's; shared with the operator. */
export const RUNTIME_HANDLER = "vimana-handler";

// Pod labels that name the component a Vimana pod runs.
export const LABEL_DOMAIN = "vimana.host/domain";
export const LABEL_SERVER = "vimana.host/server";
export const LABEL_VERSION = "vimana.host/version";

// Both IDs share the pod name (strict 1 pod : 1 container); the prefix tells kubelet's two
// kinds of IDs apart and tells Vimana IDs from downstream ones.
const SANDBOX_PREFIX = "p-";
const CONTAINER_PREFIX = "c-";

export function podSandboxId(pod: PodName): string {
  return SANDBOX_PREFIX + formatPodName(pod);
}

export function containerId(pod: PodName): string {
  return CONTAINER_PREFIX + formatPodName(pod);
}

/** Unlike the original (which only debug-asserted it), the `p-` prefix is checked. */
export function parsePodSandboxId(id: string): PodName {
  return parsePrefixed(id, SANDBOX_PREFIX, "Invalid pod sandbox ID");
}

/** Unlike the original (which only debug-asserted it), the `c-` prefix is checked. */
export function parseContainerId(id: string): PodName {
  return parsePrefixed(id, CONTAINER_PREFIX, "Invalid container ID");
}

/** Routing test: IDs that start with neither prefix certainly belong downstream. */
export function looksLikeVimanaId(id: string): boolean {
  return id.startsWith(SANDBOX_PREFIX) || id.startsWith(CONTAINER_PREFIX);
}

/** The component a Vimana pod runs, from its three `vimana.host/*` labels. */
export function componentNameFromLabels(labels: Readonly<Record<string, string>>): ComponentName {
  // Same order as the original: the domain is validated before the other labels are looked up.
  const domain = parseDomainUuid(requireLabel(labels, LABEL_DOMAIN, "domain"));
  const server = requireLabel(labels, LABEL_SERVER, "server");
  const version = requireLabel(labels, LABEL_VERSION, "version");
  return componentName(domain, server, version);
}

function requireLabel(labels: Readonly<Record<string, string>>, key: string, what: string): string {
  const value = labels[key];
  if (value === undefined) {
    throw new NameError(`Missing required ${what} label`);
  }
  return value;
}

function parsePrefixed(id: string, prefix: string, message: string): PodName {
  if (!id.startsWith(prefix)) {
    throw new NameError(message);
  }
  try {
    return parsePodName(id.slice(prefix.length));
  } catch (cause) {
    throw new NameError(message, { cause });
  }
}
