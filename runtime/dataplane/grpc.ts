// gRPC over HTTP/2 (h2c): one unary call per stream. The hot path decodes the request straight
// from the DATA chunk it arrived in and answers with HEADERS, DATA and trailers in one write,
// its header blocks encoded once.
import { type ComponentRecord, DecodeError } from "../../src/codec/index.ts";
import { encodeHeaderBlock, type H2Stream, type RequestHeaders } from "./h2/index.ts";
import type { Route } from "./routes.ts";
import {
  contextOf,
  deadlineExceeded,
  finish,
  invoke,
  requestTooLarge,
  responseTooLarge,
  type Serving,
  serializationFailure,
} from "./serving.ts";
import { encodeGrpcMessage, GrpcError, Status, type StatusCode } from "./status.ts";
import { parseGrpcTimeout } from "./timeout.ts";

// No `date` header: gRPC has no use for it (grpc-go sends none), and it costs a formatted date
// per response.
const OK_HEADERS = encodeHeaderBlock([":status", "200", "content-type", "application/grpc"]);
const OK_TRAILERS = encodeHeaderBlock(["grpc-status", "0"]);
const END_STREAM = { endStream: true };
const PREFIX_BYTES = 5;

/** `application/grpc`, `application/grpc+proto`, `application/grpc;…` (not `grpc-web`). */
export function isGrpcContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || !contentType.startsWith("application/grpc")) return false;
  const next = contentType.charCodeAt(16);
  // grpc-go serves any `+subtype` with the proto codec it has; so do we.
  return Number.isNaN(next) || next === 0x2b /* + */ || next === 0x3b /* ; */;
}

/** Serves one gRPC stream: its headers are in, its DATA frames follow. */
export function serveGrpc(serving: Serving, stream: H2Stream, headers: RequestHeaders): void {
  new GrpcCall(serving, stream, headers).begin();
}

class GrpcCall {
  readonly #serving: Serving;
  readonly #stream: H2Stream;
  readonly #headers: RequestHeaders;
  readonly #path: string;
  readonly #start = performance.now();
  #route: Route | undefined;
  #deadline = Number.POSITIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Bytes of the request received so far, until its first message is whole: the first whole
   * message is the request, and anything after it is never read. That is what grpc-go does:
   * processUnaryRPC (server.go) receives exactly one message with recvAndDecompress and
   * answers; it neither looks for a second message nor waits for the end of the stream. So a
   * second message is ignored, not an error.
   */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Prefix and message bytes the first message takes, once its prefix is known. */
  #expected = 0;
  #done = false;

  constructor(serving: Serving, stream: H2Stream, headers: RequestHeaders) {
    this.#serving = serving;
    this.#stream = stream;
    this.#headers = headers;
    this.#path = headers[":path"] ?? "";
    serving.inFlight++;
    stream.onclose = () => this.closed();
  }

  /** Checks what the headers ask for; then reads the request from the DATA frames. */
  begin(): void {
    const headers = this.#headers;
    if (headers[":method"] !== "POST") {
      this.#finish(Status.UNIMPLEMENTED);
      if (!this.#stream.destroyed)
        this.#stream.respond({ ":status": 405, allow: "POST" }, END_STREAM);
      return;
    }
    const route = this.#serving.routes.get(this.#path);
    if (route === undefined) {
      this.#fail(this.#serving.routes.unknown(this.#path));
      return;
    }
    this.#route = route;
    const encoding = headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") {
      // tonic's words for an encoding it was not built with; grpc-go also answers UNIMPLEMENTED.
      this.#fail(
        unsupportedCompression(`Content is compressed with \`${encoding}\` which isn't supported`),
      );
      return;
    }
    const timeout = headers["grpc-timeout"];
    if (timeout !== undefined) {
      let ms: number;
      try {
        ms = parseGrpcTimeout(timeout);
      } catch (error) {
        this.#fail(error as GrpcError);
        return;
      }
      this.#deadline = this.#start + ms;
      this.#timer = setTimeout(() => this.#fail(deadlineExceeded()), ms);
    }
    this.#stream.ondata = (chunk) => this.data(chunk);
    this.#stream.onend = () => this.end();
  }

  data(chunk: Buffer): void {
    if (this.#done) return;
    if (this.#pendingBytes === 0 && chunk.length >= PREFIX_BYTES) {
      // The usual case: the whole request in one chunk.
      const length = this.#messageLength(chunk);
      if (length < 0) return;
      if (chunk.length >= PREFIX_BYTES + length) {
        this.#call(chunk.subarray(PREFIX_BYTES, PREFIX_BYTES + length));
        return;
      }
      this.#expected = PREFIX_BYTES + length;
    }
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#expected === 0) {
      if (this.#pendingBytes < PREFIX_BYTES) return;
      const length = this.#messageLength(Buffer.concat(this.#pending, PREFIX_BYTES));
      if (length < 0) return;
      this.#expected = PREFIX_BYTES + length;
    }
    if (this.#pendingBytes < this.#expected) return;
    const bytes = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#call(bytes.subarray(PREFIX_BYTES, this.#expected));
  }

  /** The message length a 5-byte prefix announces, or −1 once the call has failed over it. */
  #messageLength(prefix: Buffer): number {
    const length = prefix.readUInt32BE(1);
    const limit = this.#serving.maxMessageBytes;
    // grpc-go checks the length before the compression flag (rpc_util.go: recvMsg, then
    // checkRecvPayload).
    if (length > limit) {
      this.#fail(requestTooLarge(length, limit));
      return -1;
    }
    const flag = prefix[0];
    if (flag === 0) return length;
    this.#fail(
      flag === 1
        ? unsupportedCompression("Message is compressed, but this server supports no compression")
        : new GrpcError(Status.INTERNAL, `received unexpected payload format ${flag}`),
    );
    return -1;
  }

  /**
   * The client ended the stream before a whole message. grpc-go's parser (rpc_util.go, recvMsg,
   * and the transport's ReadMessageHeader/read) turns an end after part of a message into
   * io.ErrUnexpectedEOF and an end before any byte into io.EOF; processUnaryRPC writes either
   * with status.Convert, which makes a plain error UNKNOWN with the error's text.
   */
  end(): void {
    if (this.#done) return;
    this.#fail(new GrpcError(Status.UNKNOWN, this.#pendingBytes === 0 ? "EOF" : "unexpected EOF"));
  }

  #call(message: Uint8Array): void {
    const serving = this.#serving;
    const route = this.#route as Route;
    let response: ComponentRecord;
    try {
      const request = route.decodeRequest(message);
      const context = contextOf(serving, this.#path, headerEntries(this.#headers));
      response = invoke(serving, route, context, request, this.#deadline);
    } catch (error) {
      this.#fail(
        error instanceof DecodeError
          ? new GrpcError(Status.INVALID_ARGUMENT, error.message)
          : (error as GrpcError),
      );
      return;
    }
    let encoded: Uint8Array;
    try {
      encoded = route.encodeResponse(response);
    } catch (error) {
      this.#fail(serializationFailure(serving, route, error));
      return;
    }
    const limit = serving.maxMessageBytes;
    if (encoded.length > limit) {
      this.#fail(responseTooLarge(encoded.length, limit));
      return;
    }
    const frame = Buffer.allocUnsafe(PREFIX_BYTES + encoded.length);
    frame[0] = 0;
    frame.writeUInt32BE(encoded.length, 1);
    frame.set(encoded, PREFIX_BYTES);
    this.#finish(Status.OK);
    this.#stream.respondUnary(OK_HEADERS, frame, OK_TRAILERS);
  }

  /** A Trailers-Only response: the status in the one HEADERS frame, which ends the stream. */
  #fail(error: GrpcError): void {
    if (this.#done) return;
    this.#finish(error.code);
    const stream = this.#stream;
    if (stream.destroyed) return;
    stream.respond(
      {
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-status": String(error.code),
        "grpc-message": encodeGrpcMessage(error.message),
        ...error.headers,
      },
      END_STREAM,
    );
  }

  #finish(code: StatusCode): void {
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#pending = [];
    // The rest of the request is not read: its window is not given back.
    this.#stream.stopReading();
    finish(this.#serving, "grpc", this.#path, code, this.#start);
  }

  /** The client went away (or reset the stream) before the answer. */
  closed(): void {
    if (!this.#done) this.#finish(Status.CANCELLED);
  }
}

function unsupportedCompression(message: string): GrpcError {
  return new GrpcError(Status.UNIMPLEMENTED, message, { "grpc-accept-encoding": "identity" });
}

/** Request metadata in arrival order, without HTTP/2 pseudo-headers (repeated ones joined). */
function headerEntries(headers: RequestHeaders): [string, string][] {
  const entries: [string, string][] = [];
  for (const name in headers) {
    if (name.charCodeAt(0) !== 0x3a /* : */) entries.push([name, headers[name] as string]);
  }
  return entries;
}
