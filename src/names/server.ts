import type { Branded } from "./brand.ts";
import type { DomainUuid } from "./domain.ts";
import { debugQuote, NameError } from "./errors.ts";

/** A server ID: usable as a Kubernetes label value and resource name. */
export type ServerId = Branded<string, "ServerId">;

/** `domain:server`. */
export interface ServerName {
  readonly domain: DomainUuid;
  readonly server: ServerId;
}

// 1..63 characters of lowercase letters, digits and dashes; starts with a letter and ends
// alphanumeric.
const SERVER_ID = /^[a-z](?:[0-9a-z-]{0,61}[0-9a-z])?$/;
/** The server ID pattern as text, for schemas (the operator's CRDs validate with it). */
export const SERVER_ID_PATTERN = SERVER_ID.source;

export function parseServerId(text: string): ServerId {
  if (!SERVER_ID.test(text)) {
    throw new NameError(`Invalid server ID: ${debugQuote(text)}`);
  }
  return text as ServerId;
}

export function serverName(domain: DomainUuid, server: string): ServerName {
  return { domain, server: parseServerId(server) };
}

/** `domain:server`. Takes plain strings too: the operator formats unvalidated spec fields. */
export function formatServerName(name: {
  readonly domain: string;
  readonly server: string;
}): string {
  return `${name.domain}:${name.server}`;
}
