/** The `context` record every export receives first (vimana:grpc/imports@1.0.0). */
export interface CallContext {
  headers: [string, string][];
}

/** Visible ASCII, and tab, as tonic's `MetadataValue::to_str` accepts. */
const VISIBLE_ASCII = /^[\t\x20-\x7e]*$/;

/**
 * The call context for request metadata, following ref §5.2: every entry whose value is
 * visible ASCII, in order; binary (`-bin`) entries and non-ASCII values are dropped and named in
 * `dropped` so the caller can log a warning. HTTP/2 pseudo-headers (`:path`, …) are not metadata.
 */
export function callContext(metadata: Iterable<readonly [string, string]>): {
  context: CallContext;
  dropped: string[];
} {
  const headers: [string, string][] = [];
  const dropped: string[] = [];
  for (const [name, value] of metadata) {
    if (name.startsWith(":")) continue;
    if (name.endsWith("-bin") || !VISIBLE_ASCII.test(value)) dropped.push(name);
    else headers.push([name, value]);
  }
  return { context: { headers }, dropped };
}
