// Size limits on the labels and annotations a CRI caller sends, as Kubernetes validates an
// object's metadata. Every one of them comes back in each List answer, which kubelet reads with
// a 16 MiB cap: without a limit, a few pods with megabytes of annotations made ListPodSandbox
// fail for every caller. The API server already refuses such pods; this keeps the node safe
// from any other CRI client too.

/** Kubernetes' TotalAnnotationSizeLimitB: keys plus values, per object. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;
/** The same budget for labels (Kubernetes caps each label value at 63 characters instead). */
export const MAX_LABELS_BYTES = 256 * 1024;
/** A qualified name: a DNS-subdomain prefix (253), "/", and a name (63). */
export const MAX_KEY_BYTES = 253 + 1 + 63;

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * Why this map is too large for `what` (e.g. "pod sandbox annotations"), naming the key that
 * crossed the limit; undefined when it fits.
 */
function mapProblem(
  what: string,
  entries: Record<string, string>,
  maxBytes: number,
): string | undefined {
  let total = 0;
  for (const [key, value] of Object.entries(entries)) {
    const keyBytes = bytes(key);
    if (keyBytes > MAX_KEY_BYTES) {
      return `${what}: key "${key.slice(0, 64)}…" is ${keyBytes} bytes long; a key may have at most ${MAX_KEY_BYTES}`;
    }
    total += keyBytes + bytes(value);
    if (total > maxBytes) {
      return `${what} exceed ${maxBytes} bytes in total at key "${key}" (value of ${bytes(value)} bytes)`;
    }
  }
  return undefined;
}

/** The first limit `metadata` breaks, for an INVALID_ARGUMENT answer; undefined when none. */
export function metadataSizeProblem(
  object: "pod sandbox" | "container",
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> },
): string | undefined {
  return (
    mapProblem(`${object} labels`, metadata.labels ?? {}, MAX_LABELS_BYTES) ??
    mapProblem(`${object} annotations`, metadata.annotations ?? {}, MAX_ANNOTATIONS_BYTES)
  );
}
