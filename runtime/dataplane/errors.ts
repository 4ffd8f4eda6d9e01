/**
 * Why a pod's server could not start: its address could not be bound ("bind"; `code` is the
 * system error, e.g. EADDRINUSE), or its Metadata names something the component cannot serve
 * ("metadata"). The CRI layer reports the message as the container's failure.
 */
export class PodServerError extends Error {
  override readonly name = "PodServerError";
  /** The system error code of a bind failure. */
  readonly code: string | undefined;

  constructor(
    readonly kind: "bind" | "metadata",
    readonly pod: string,
    detail: string,
    options?: ErrorOptions & { code?: string },
  ) {
    super(`pod ${pod}: ${detail}`, options);
    this.code = options?.code;
  }
}
