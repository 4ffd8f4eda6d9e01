// One request stream as its handler sees it: the request headers, callbacks for the body, and
// the response (headers, DATA, trailers). The names follow node:http2's server stream where a
// handler needs them (respond, write, end, sendTrailers, `on`), but there is no EventEmitter:
// each event has one callback slot.
import { ErrorCode } from "./constants.ts";
import type { RequestHeaders } from "./headers.ts";
import { outgoingFields } from "./headers.ts";

export type OutgoingHeaders = Readonly<
  Record<string, string | number | readonly string[] | undefined>
>;

export interface RespondOptions {
  /** The response is these headers alone. */
  endStream?: boolean;
  /** `end()` calls the `wantTrailers` callback, which calls `sendTrailers`. */
  waitForTrailers?: boolean;
}

/** What a stream asks of its connection. */
export interface StreamSink {
  encode(fields: readonly string[]): Uint8Array;
  sendHeaders(stream: H2Stream, block: Uint8Array, endStream: boolean): void;
  sendData(stream: H2Stream, data: Uint8Array, endStream: boolean): void;
  sendTrailers(stream: H2Stream, block: Uint8Array): void;
  /** HEADERS, one DATA and trailers, in one write when the windows allow. */
  sendUnary(stream: H2Stream, headers: Uint8Array, data: Uint8Array, trailers: Uint8Array): void;
  reset(stream: H2Stream, code: ErrorCode): void;
}

type Event = "data" | "end" | "close" | "error" | "wantTrailers";

export class H2Stream {
  ondata: ((chunk: Buffer) => void) | undefined;
  onend: (() => void) | undefined;
  onclose: (() => void) | undefined;
  #wantTrailers: (() => void) | undefined;
  #waitForTrailers = false;
  #responded = false;
  /** The response's end is sent or queued (END_STREAM may still wait for window). */
  #finished = false;

  // The connection's bookkeeping (read and written by connection.ts only).
  sendWindow: number;
  recvWindow: number;
  /** Bytes received and consumed since this stream's window was last replenished. */
  recvUnacked = 0;
  /** False once the handler wants no more of the body: its window is not replenished. */
  reading = true;
  remoteEnded = false;
  closed = false;
  /** The request's content-length, or −1; DATA must add up to it (§8.1.1). */
  contentLength: number;
  received = 0;
  /** DATA waiting for window, and what follows it: END_STREAM (true) or trailers. */
  pending: Uint8Array[] = [];
  endAfterPending: Uint8Array | boolean = false;

  constructor(
    readonly id: number,
    readonly headers: RequestHeaders,
    readonly sink: StreamSink,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
    const length = headers["content-length"];
    this.contentLength = length === undefined ? -1 : Number(length);
  }

  /** True once the stream is closed (answered, reset, or its connection gone). */
  get destroyed(): boolean {
    return this.closed;
  }

  /** node:http2's listener names, one callback each (a second replaces the first). */
  on(event: Event, listener: (...args: never[]) => void): this {
    const fn = listener as () => void;
    if (event === "data") this.ondata = fn;
    else if (event === "end") this.onend = fn;
    else if (event === "close") this.onclose = fn;
    else if (event === "wantTrailers") this.#wantTrailers = fn;
    // "error": a stream never fails on its own; a reset comes as "close".
    return this;
  }

  respond(headers: OutgoingHeaders, options: RespondOptions = {}): void {
    this.respondBlock(this.sink.encode(outgoingFields(headers)), options);
  }

  /** `respond` with a header block encoded beforehand. */
  respondBlock(block: Uint8Array, options: RespondOptions = {}): void {
    if (this.closed || this.#responded) return;
    this.#responded = true;
    this.#waitForTrailers = options.waitForTrailers === true;
    if (options.endStream === true) this.#finished = true;
    this.sink.sendHeaders(this, block, options.endStream === true);
  }

  write(data: Uint8Array): void {
    if (this.closed || this.#finished) return;
    if (!this.#responded) this.respond({ ":status": 200 });
    if (data.length > 0) this.sink.sendData(this, data, false);
  }

  /** Ends the response: the last DATA, then trailers when `waitForTrailers` asked for them. */
  end(data?: Uint8Array): void {
    if (this.closed || this.#finished) return;
    if (!this.#responded) this.respond({ ":status": 200 });
    if (this.#waitForTrailers && this.#wantTrailers !== undefined) {
      if (data !== undefined && data.length > 0) this.sink.sendData(this, data, false);
      this.#wantTrailers();
      if (this.#finished || this.closed) return;
      // A callback that sent none still ends the stream.
      this.#finished = true;
      this.sink.sendData(this, EMPTY, true);
      return;
    }
    this.#finished = true;
    this.sink.sendData(this, data ?? EMPTY, true);
  }

  sendTrailers(trailers: OutgoingHeaders): void {
    this.sendTrailersBlock(this.sink.encode(outgoingFields(trailers)));
  }

  sendTrailersBlock(block: Uint8Array): void {
    if (this.closed || this.#finished) return;
    this.#finished = true;
    this.sink.sendTrailers(this, block);
  }

  /**
   * A whole unary response: HEADERS, one DATA (the framed message) and trailers, each block
   * encoded beforehand; one write when the windows allow.
   */
  respondUnary(headers: Uint8Array, data: Uint8Array, trailers: Uint8Array): void {
    if (this.closed || this.#responded) return;
    this.#responded = true;
    this.#finished = true;
    this.sink.sendUnary(this, headers, data, trailers);
  }

  /** The handler has read all it wants: the body's further DATA is dropped, not buffered. */
  stopReading(): void {
    this.reading = false;
    this.ondata = undefined;
  }

  /** Resets the stream (RST_STREAM `code`, CANCEL by default). */
  close(code: ErrorCode = ErrorCode.CANCEL): void {
    if (!this.closed) this.sink.reset(this, code);
  }

  /** As node's `destroy()`: the stream is reset with INTERNAL_ERROR. */
  destroy(): void {
    this.close(ErrorCode.INTERNAL_ERROR);
  }
}

const EMPTY = new Uint8Array(0);
