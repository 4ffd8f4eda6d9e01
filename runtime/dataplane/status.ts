// gRPC status codes, the HTTP status each maps to for HTTP/JSON callers, and how a status
// message travels in the `grpc-message` trailer.

export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];

/** Names by code: `statusNames[3]` is `INVALID_ARGUMENT`. */
export const statusNames = Object.keys(Status) as readonly StatusName[];

/** The standard mapping of google.rpc.Code to HTTP (google/rpc/code.proto). */
const httpStatuses: readonly number[] = [
  200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401,
];

export function httpStatusOf(code: StatusCode): number {
  return httpStatuses[code] ?? 500;
}

/** A call that ends with a status other than OK; `headers` go into the trailers too. */
export class GrpcError extends Error {
  override readonly name = "GrpcError";

  constructor(
    readonly code: StatusCode,
    message: string,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;
const utf8 = new TextEncoder();

/**
 * `grpc-message` as the gRPC HTTP/2 protocol writes it: the UTF-8 bytes outside visible ASCII
 * and space, and `%` itself, as `%XX`.
 */
export function encodeGrpcMessage(message: string): string {
  if (PLAIN.test(message)) return message;
  let out = "";
  for (const byte of utf8.encode(message)) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
