// A method that returns `result<response, status>` (vimana:grpc's `status`) fails a call on
// purpose: jco's glue throws its `err` value as a ComponentError whose `payload` is the status
// record, which the host wraps in a CallFailure. That is an answer, not a fault: the client gets
// the code and message the component chose.
import { GrpcError, type StatusCode } from "./status.ts";

/** vimana:grpc's `code` enum cases, in order: case i is gRPC code i + 1. */
const CODE_CASES = [
  "cancelled",
  "unknown",
  "invalid-argument",
  "deadline-exceeded",
  "not-found",
  "already-exists",
  "permission-denied",
  "resource-exhausted",
  "failed-precondition",
  "aborted",
  "out-of-range",
  "unimplemented",
  "internal",
  "unavailable",
  "data-loss",
  "unauthenticated",
] as const;

/**
 * The status a component returned as its `err`: jco 1.35's glue throws the record itself, older
 * glue a ComponentError with it as `payload`; the host's CallFailure has either as its cause.
 */
export function componentStatus(error: unknown): GrpcError | undefined {
  for (let cause = error; typeof cause === "object" && cause !== null; ) {
    if (!(cause instanceof Error)) return statusOf(cause);
    if ("payload" in cause) return statusOf(cause.payload);
    cause = cause.cause;
  }
  return undefined;
}

function statusOf(value: unknown): GrpcError | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { code, message } = value as { code?: unknown; message?: unknown };
  const index = CODE_CASES.indexOf(code as (typeof CODE_CASES)[number]);
  if (index < 0 || typeof message !== "string") return undefined;
  return new GrpcError((index + 1) as StatusCode, message);
}
