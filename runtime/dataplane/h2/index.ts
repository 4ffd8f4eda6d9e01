// vimanad's own HTTP/2 server layer (RFC 9113, h2c with prior knowledge): one H2Connection per
// socket, streams handed to the data plane's handlers. docs/dataplane.md, "HTTP/2", says why it
// replaces node:http2 and what it enforces.
export { EventBudget, type Rate } from "./budget.ts";
export {
  CONNECTION_WINDOW,
  DEFAULT_FLOOD_LIMITS,
  type FloodLimits,
  H2Connection,
  type H2ConnectionOptions,
  HEADER_BLOCK_FACTOR,
  holdUnread,
  MAX_QUEUED_CONTROL_FRAMES,
  STREAM_WINDOW,
  WRITE_BUFFER_LIMIT,
} from "./connection.ts";
export { ErrorCode, errorCodeName, PREFACE } from "./constants.ts";
export type { RequestHeaders } from "./headers.ts";
export { encodeHeaderBlock } from "./hpack.ts";
export { H2Stream, type OutgoingHeaders, type RespondOptions } from "./stream.ts";
