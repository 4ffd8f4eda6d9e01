// Names of domains, servers, components and pods (ref §2), the IDs derived from them for CRI,
// images and Kubernetes objects, and the nibble-little-endian hex encoding.
export {
  type ComponentName,
  componentName,
  formatComponentName,
  parseComponentName,
} from "./component.ts";
export {
  componentNameFromLabels,
  containerId,
  LABEL_DOMAIN,
  LABEL_SERVER,
  LABEL_VERSION,
  looksLikeVimanaId,
  parseContainerId,
  parsePodSandboxId,
  podSandboxId,
  RUNTIME_HANDLER,
} from "./cri.ts";
export {
  type DomainUuid,
  domainUuidFromBytes,
  domainUuidToBytes,
  parseDomainUuid,
} from "./domain.ts";
export { NameError } from "./errors.ts";
export { parseName, type RawName } from "./grammar.ts";
export { hexifyBytes, hexifyString, unhexifyBytes, unhexifyString } from "./hex.ts";
export {
  formatImageReference,
  type ImageReference,
  imageRepository,
  parseImageReference,
} from "./image.ts";
export {
  formatPodId,
  formatPodName,
  type PodId,
  type PodName,
  parsePodId,
  parsePodName,
  podName,
} from "./pod.ts";
export {
  formatReflectionPolicy,
  parseReflectionPolicy,
  REFLECTION_ANNOTATION,
  type ReflectionPolicy,
} from "./reflection.ts";
export {
  canonicalDomain,
  deploymentName,
  gatewayName,
  listenerName,
  serviceName,
  tlsSecretName,
} from "./resources.ts";
export {
  formatServerName,
  parseServerId,
  SERVER_ID_PATTERN,
  type ServerId,
  type ServerName,
  serverName,
} from "./server.ts";
export { parseVersion, VERSION_MAX_LENGTH, VERSION_PATTERN, type Version } from "./version.ts";
