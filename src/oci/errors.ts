/** A push or pull failed; the message names the image, and what went wrong with which blob. */
export class OciError extends Error {
  override readonly name = "OciError";

  constructor(
    /** `pull` or `push`. */
    readonly operation: "pull" | "push",
    /** The image reference, `<registry>/<domain>/<server>:<version>`. */
    readonly image: string,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${operation === "pull" ? "Pulling" : "Pushing"} ${image}: ${detail}`, { cause });
  }
}
