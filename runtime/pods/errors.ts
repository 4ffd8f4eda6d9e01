/**
 * A pod operation kubelet asked for that cannot be done. `notFound` becomes gRPC NOT_FOUND
 * (PodSandboxStatus, ContainerStatus); everything else INTERNAL, as the original (ref §1.9).
 */
export class PodError extends Error {
  override readonly name = "PodError";

  constructor(
    message: string,
    readonly notFound = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
