// What both protocols share: the pod's routes and counters, and one call from decoded request
// to response record with every failure turned into its gRPC status.
import type { ComponentRecord } from "../../src/codec/index.ts";
import { type CallContext, CallFailure, callContext } from "../host/index.ts";
import type { Counters } from "./counters.ts";
import type { DataPlaneLog } from "./events.ts";
import type { Route, RouteTable } from "./routes.ts";
import { GrpcError, Status, type StatusCode, statusNames } from "./status.ts";
import { componentStatus } from "./typed-errors.ts";

/** The original's limit for requests and responses, 1 MiB (ref §5.2). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface Serving {
  readonly pod: string;
  readonly routes: RouteTable;
  readonly counters: Counters;
  readonly log: DataPlaneLog;
  readonly requestLog: boolean;
  readonly maxMessageBytes: number;
  /** False once the server stops: health checks answer NOT_SERVING. */
  serving: boolean;
  /** Calls started and not yet answered. */
  inFlight: number;
}

/** tonic's message for a request over the limit (ref §5.2). */
export function requestTooLarge(found: number, limit: number): GrpcError {
  return new GrpcError(
    Status.OUT_OF_RANGE,
    `Error, decoded message length too large: found ${found} bytes, the limit is: ${limit} bytes`,
  );
}

/** tonic's message for a response over the limit (ref §5.2). */
export function responseTooLarge(found: number, limit: number): GrpcError {
  return new GrpcError(
    Status.OUT_OF_RANGE,
    `Error, encoded message length too large: found ${found} bytes, the limit is: ${limit} bytes`,
  );
}

/**
 * The call context for request headers (ref §5.2); entries it drops (binary or non-ASCII
 * values) are logged as a warning.
 */
export function contextOf(
  serving: Serving,
  path: string,
  headers: Iterable<readonly [string, string]>,
): CallContext {
  const { context, dropped } = callContext(headers);
  if (dropped.length > 0) {
    serving.log({
      kind: "warning",
      pod: serving.pod,
      message: `${path}: metadata not passed to the component (binary or not ASCII): ${dropped.join(", ")}`,
    });
  }
  return context;
}

export function deadlineExceeded(): GrpcError {
  return new GrpcError(Status.DEADLINE_EXCEEDED, "Deadline exceeded");
}

/**
 * Runs the route's method. Component calls are synchronous, so a deadline (ms, on
 * `performance.now()`'s clock) is checked before and after the call; a spent CPU budget is a
 * deadline too. Throws a GrpcError.
 */
export function invoke(
  serving: Serving,
  route: Route,
  context: CallContext,
  request: ComponentRecord,
  deadline: number,
): ComponentRecord {
  const timed = deadline !== Number.POSITIVE_INFINITY;
  if (timed && performance.now() >= deadline) throw deadlineExceeded();
  let response: ComponentRecord;
  try {
    response = route.handle(context, request);
  } catch (error) {
    throw failureStatus(serving, route, error);
  }
  if (timed && performance.now() >= deadline) throw deadlineExceeded();
  return response;
}

function failureStatus(serving: Serving, route: Route, error: unknown): GrpcError {
  if (error instanceof GrpcError) return error;
  const chosen = componentStatus(error);
  if (chosen) return chosen;
  serving.log({
    kind: "error",
    pod: serving.pod,
    message: `${route.path}: ${error instanceof Error ? error.message : String(error)}`,
    error,
  });
  if (error instanceof CallFailure) {
    return new GrpcError(
      error.kind === "budget" ? Status.DEADLINE_EXCEEDED : Status.INTERNAL,
      error.summary,
    );
  }
  return new GrpcError(Status.INTERNAL, "Function invocation error");
}

/** ref §4.4: the client sees only this; the details go to the pod's log. */
export function serializationFailure(serving: Serving, route: Route, error: unknown): GrpcError {
  serving.log({
    kind: "error",
    pod: serving.pod,
    message: `${route.path}: ${error instanceof Error ? error.message : String(error)}`,
    error,
  });
  return new GrpcError(Status.INTERNAL, "Response serialization error");
}

/** Counts a finished call and writes its request line. */
export function finish(
  serving: Serving,
  protocol: "grpc" | "http",
  path: string,
  code: StatusCode,
  startMs: number,
): void {
  const ms = performance.now() - startMs;
  serving.inFlight--;
  serving.counters.record(code, ms / 1000);
  if (serving.requestLog) {
    serving.log({
      kind: "request",
      pod: serving.pod,
      protocol,
      path,
      status: statusNames[code] as (typeof statusNames)[number],
      ms,
    });
  }
}
