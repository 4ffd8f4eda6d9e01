// Why a connection or a stream ends in error: thrown by the frame handlers, turned into GOAWAY
// (connection) or RST_STREAM (stream) by the connection.
import type { ErrorCode } from "./constants.ts";

/** Ends the whole connection: GOAWAY with `code`, then close (RFC 9113 §5.4.1). */
export class ConnectionError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ConnectionError";
  }
}

/** Ends one stream: RST_STREAM with `code`; the connection serves on (§5.4.2). */
export class StreamError extends Error {
  constructor(
    readonly streamId: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "StreamError";
  }
}
