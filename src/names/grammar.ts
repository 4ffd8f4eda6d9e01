/**
 * A name split permissively along `[domain ':'] server ['@' version ['#' pod]]`, nothing
 * validated yet. Absent parts are `undefined`; present parts may be empty.
 */
export interface RawName {
  readonly domain?: string;
  readonly server: string;
  readonly version?: string;
  readonly pod?: string;
}

export function parseName(full: string): RawName {
  // Whichever of `:` and `@` comes first decides whether there is a domain.
  const index = full.search(/[:@]/);
  if (index < 0) {
    return { server: full };
  }
  if (full.charAt(index) === "@") {
    return { server: full.slice(0, index), ...splitVersion(full.slice(index + 1)) };
  }
  const domain = full.slice(0, index);
  const rest = full.slice(index + 1);
  const at = rest.indexOf("@");
  if (at < 0) {
    return { domain, server: rest };
  }
  return { domain, server: rest.slice(0, at), ...splitVersion(rest.slice(at + 1)) };
}

// Only the part after `@` can hold a pod ID, so a `#` without `@` stays in the server.
function splitVersion(afterAt: string): { version: string; pod?: string } {
  const hash = afterAt.indexOf("#");
  if (hash < 0) {
    return { version: afterAt };
  }
  return { version: afterAt.slice(0, hash), pod: afterAt.slice(hash + 1) };
}
