import type { Branded } from "./brand.ts";
import { debugQuote, NameError } from "./errors.ts";

/** A component version: a SemVer subset that fits in a Kubernetes label value. */
export type Version = Branded<string, "Version">;

// Kubernetes label values hold at most 63 characters.
export const VERSION_MAX_LENGTH = 63;
// MAJOR.MINOR.PATCH without leading zeros, then an optional pre-release of ONE identifier
// (labels cannot hold `+`, so no build metadata): either a number without leading zeros, or
// alphanumerics and dashes that contain a non-digit and do not end with a dash.
const VERSION =
  /^(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-(?:0|[1-9][0-9]*|[0-9A-Za-z-]*(?:[A-Za-z]|[A-Za-z-][0-9A-Za-z-]*[0-9A-Za-z])))?$/;

/** The version pattern as text, for schemas (the operator's CRDs validate with it). */
export const VERSION_PATTERN = VERSION.source;

export function parseVersion(text: string): Version {
  // Only ASCII passes the pattern, so counting UTF-16 units here equals counting bytes.
  if (text.length > VERSION_MAX_LENGTH || !VERSION.test(text)) {
    throw new NameError(`Invalid version: ${debugQuote(text)}`);
  }
  return text as Version;
}
