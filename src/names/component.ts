import { type DomainUuid, parseDomainUuid } from "./domain.ts";
import { NameError } from "./errors.ts";
import { parseName } from "./grammar.ts";
import { formatServerName, type ServerName, serverName } from "./server.ts";
import { parseVersion, type Version } from "./version.ts";

/** `domain:server@version`: one version of a server, i.e. one image. */
export interface ComponentName extends ServerName {
  readonly version: Version;
}

/** Validates the version BEFORE the server, so a name with both bad reports the version. */
export function componentName(domain: DomainUuid, server: string, version: string): ComponentName {
  const validVersion = parseVersion(version);
  return { ...serverName(domain, server), version: validVersion };
}

/** Parses `domain:server@version`; domain and version are required, a pod ID is refused. */
export function parseComponentName(full: string): ComponentName {
  const { domain, server, version, pod } = parseName(full);
  if (domain === undefined || version === undefined || pod !== undefined) {
    // The original quotes the name without escaping anything.
    throw new NameError(`Invalid component name: "${full}"`);
  }
  return componentName(parseDomainUuid(domain), server, version);
}

/** `domain:server@version`. Takes plain strings too: the operator formats unvalidated fields. */
export function formatComponentName(name: {
  readonly domain: string;
  readonly server: string;
  readonly version: string;
}): string {
  return `${formatServerName(name)}@${name.version}`;
}
