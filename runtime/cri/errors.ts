import * as grpc from "@grpc/grpc-js";
import { PodError } from "../pods/index.ts";
import { type DownstreamError, isDownstreamError } from "./downstream.ts";

/** An answer with a chosen gRPC status, e.g. UNIMPLEMENTED for what a Wasm pod cannot do. */
export class CriStatusError extends Error {
  override readonly name = "CriStatusError";

  constructor(
    readonly code: grpc.status,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An error in the Vimana path that kubelet sees as INTERNAL with this message (ref §1.9). */
export function internal(message: string, cause?: unknown): CriStatusError {
  return new CriStatusError(grpc.status.INTERNAL, message, { cause });
}

/** What the gRPC server sends for an error: downstream errors exactly as they came. */
export function toServiceError(error: unknown): DownstreamError {
  if (isDownstreamError(error)) return error;
  const metadata = new grpc.Metadata();
  if (error instanceof CriStatusError)
    return { code: error.code, details: error.message, metadata };
  if (error instanceof PodError) {
    const code = error.notFound ? grpc.status.NOT_FOUND : grpc.status.INTERNAL;
    return { code, details: error.message, metadata };
  }
  const details = error instanceof Error ? error.message : String(error);
  return { code: grpc.status.INTERNAL, details, metadata };
}
