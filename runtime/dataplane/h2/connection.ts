// One HTTP/2 connection, server side, h2c with prior knowledge (RFC 9113): the preface, SETTINGS,
// flow control both ways, streams and their states, GOAWAY, PING, and the flood limits. Every
// frame produced while handling one socket read goes out in one write; frames produced outside
// a read (async handlers, timers) are flushed from a microtask.
import type net from "node:net";
import { EventBudget, type Rate } from "./budget.ts";
import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW_SIZE,
  ErrorCode,
  Flag,
  FRAME_HEADER_BYTES,
  FrameType,
  MAX_ALLOWED_FRAME_SIZE,
  MAX_WINDOW_SIZE,
  PREFACE,
  Setting,
} from "./constants.ts";
import { ConnectionError, StreamError } from "./errors.ts";
import {
  frame,
  goAwayFrame,
  rstStreamFrame,
  settingsFrame,
  windowUpdateFrame,
  writeFrameHeader,
} from "./frames.ts";
import { requestHeaders, trailerProblem } from "./headers.ts";
import { encodeHeaderBlock, HpackDecoder, HpackError, headerListBytes } from "./hpack.ts";
import { H2Stream, type StreamSink } from "./stream.ts";

export interface H2ConnectionOptions {
  /** SETTINGS_MAX_CONCURRENT_STREAMS, advertised and enforced (REFUSED_STREAM past it). */
  maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: a request head larger than this is answered 431. */
  maxHeaderListBytes: number;
  /** GOAWAY after this long with no stream open. */
  idleTimeoutMs: number;
  /** A new request stream, its headers checked; the handler sets the stream's callbacks. */
  onStream(stream: H2Stream): void;
  /** A handler threw: its stream is reset INTERNAL_ERROR, the connection serves on. */
  onHandlerError(error: unknown): void;
  /** The flood limits (default DEFAULT_FLOOD_LIMITS). */
  floods?: FloodLimits;
  /**
   * We ended the connection with GOAWAY `code` for the peer's error: ENHANCE_YOUR_CALM for a
   * flood limit, PROTOCOL_ERROR and the like for frames the protocol forbids.
   */
  onConnectionError?(socket: net.Socket, code: ErrorCode, message: string): void;
}

/** Past any of these a connection gets GOAWAY ENHANCE_YOUR_CALM. */
export interface FloodLimits {
  /** CONTINUATION frames one header block may take (a CONTINUATION flood is cut off here). */
  readonly maxContinuationFrames: number;
  /**
   * Client RST_STREAMs (rapid reset, CVE-2023-44487) and streams we reset for the client's
   * errors (malformed requests).
   */
  readonly resetBudget: Rate;
  /** Streams refused past the concurrency limit. */
  readonly refusalBudget: Rate;
  /** Empty DATA frames without END_STREAM: they cost work and carry nothing. */
  readonly emptyFrameBudget: Rate;
  /**
   * How long a connection ended by a flood limit is held, unread and without FIN, before it is
   * closed (#fail says why).
   */
  readonly floodHoldMs: number;
}

export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  maxContinuationFrames: 64,
  resetBudget: { burst: 200, perSecond: 100 },
  refusalBudget: { burst: 100, perSecond: 10 },
  emptyFrameBudget: { burst: 1000, perSecond: 100 },
  floodHoldMs: 1000,
};

/**
 * Keeps `socket` open without reading it for `ms`, then destroys it: a flooder's writes stop at
 * TCP's window, and nothing it sends costs us anything.
 */
export function holdUnread(socket: net.Socket, ms: number): void {
  socket.pause();
  setTimeout(() => socket.destroy(), ms).unref();
}

/**
 * Each stream's receive window (SETTINGS_INITIAL_WINDOW_SIZE): a 1 MiB gRPC message arrives
 * without a WINDOW_UPDATE round trip.
 */
export const STREAM_WINDOW = 1 << 20;
/** The connection's receive window, raised from 65,535 by a WINDOW_UPDATE with our SETTINGS. */
export const CONNECTION_WINDOW = 16 << 20;
/** A header block's raw bytes may be this many times SETTINGS_MAX_HEADER_LIST_SIZE. */
export const HEADER_BLOCK_FACTOR = 4;
/** Past this much unsent output the connection stops reading until the socket drains. */
export const WRITE_BUFFER_LIMIT = 1 << 20;
/** PING and SETTINGS ACKs and RST_STREAMs a peer that does not read may make us queue. */
export const MAX_QUEUED_CONTROL_FRAMES = 10_000;
/** Closed streams remembered, so a frame in flight on one is told apart from a protocol error. */
const CLOSED_REMEMBERED = 1024;
/** How long a connection closed by us waits for the peer's FIN before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

interface HeaderBlock {
  streamId: number;
  endStream: boolean;
  selfDependent: boolean;
  chunks: Buffer[];
  bytes: number;
  frames: number;
}

export class H2Connection implements StreamSink {
  readonly #socket: net.Socket;
  readonly #options: H2ConnectionOptions;
  readonly #decoder = new HpackDecoder(4096);
  readonly #streams = new Map<number, H2Stream>();
  /** Recently closed stream ids, a ring; quiet when frames still in flight on one are ignored. */
  readonly #closedIds = new Uint32Array(CLOSED_REMEMBERED);
  readonly #closedQuiet = new Uint8Array(CLOSED_REMEMBERED);
  #closedNext = 0;
  readonly #blocked = new Set<H2Stream>();
  readonly #floods: FloodLimits;
  readonly #resets: EventBudget;
  readonly #refusals: EventBudget;
  readonly #emptyFrames: EventBudget;
  #buffer: Buffer | undefined;
  #prefaceSeen = false;
  #settingsSeen = false;
  #headerBlock: HeaderBlock | undefined;
  #lastStreamId = 0;
  #connectionSendWindow = DEFAULT_WINDOW_SIZE;
  #connectionReceiveWindow = CONNECTION_WINDOW;
  #connectionUnacked = 0;
  #peerInitialWindow = DEFAULT_WINDOW_SIZE;
  #peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  #out: Uint8Array[] = [];
  #outBytes = 0;
  #inRead = false;
  #flushScheduled = false;
  #controlQueued = 0;
  #pausedForWrite = false;
  #goingAway = false;
  #closing = false;
  #dead = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #lastActive = performance.now();

  /** Serves `socket`, whose first bytes (`head`) were already read. */
  constructor(socket: net.Socket, head: Buffer, options: H2ConnectionOptions) {
    this.#socket = socket;
    this.#options = options;
    const floods = options.floods ?? DEFAULT_FLOOD_LIMITS;
    this.#floods = floods;
    this.#resets = new EventBudget(floods.resetBudget);
    this.#refusals = new EventBudget(floods.refusalBudget);
    this.#emptyFrames = new EventBudget(floods.emptyFrameBudget);
    socket.setNoDelay(true);
    this.#emit(
      settingsFrame([
        [Setting.MAX_CONCURRENT_STREAMS, options.maxConcurrentStreams],
        [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
        [Setting.MAX_HEADER_LIST_SIZE, options.maxHeaderListBytes],
        [Setting.ENABLE_PUSH, 0],
      ]),
    );
    // SETTINGS_INITIAL_WINDOW_SIZE leaves the connection's window at 65,535 (§6.9.2): without
    // this a client stalls after 64 KiB in flight.
    this.#emit(windowUpdateFrame(0, CONNECTION_WINDOW - DEFAULT_WINDOW_SIZE));
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("drain", () => this.#onDrain());
    socket.on("close", () => this.#onClose());
    this.#armIdle(options.idleTimeoutMs);
    this.#onData(head);
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /**
   * GOAWAY: streams in flight finish, new ones are refused (REFUSED_STREAM, so that clients
   * retry them elsewhere); the connection closes once none is open.
   */
  shutdown(): void {
    if (this.#goingAway || this.#dead) return;
    this.#goingAway = true;
    this.#emit(goAwayFrame(this.#lastStreamId, ErrorCode.NO_ERROR));
    if (this.#streams.size === 0) this.#closeSoon();
  }

  // --- Reading -------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#dead) return;
    this.#inRead = true;
    try {
      this.#process(chunk);
    } catch (error) {
      if (error instanceof ConnectionError) this.#fail(error.code, error.message);
      else {
        this.#options.onHandlerError(error);
        this.#fail(ErrorCode.INTERNAL_ERROR, "internal error");
      }
    } finally {
      this.#inRead = false;
    }
    this.#flush();
  }

  #process(chunk: Buffer): void {
    let data = this.#buffer === undefined ? chunk : Buffer.concat([this.#buffer, chunk]);
    this.#buffer = undefined;
    let offset = 0;
    if (!this.#prefaceSeen) {
      const n = Math.min(data.length, PREFACE.length);
      if (data.compare(PREFACE, 0, n, 0, n) !== 0) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
      }
      if (data.length < PREFACE.length) {
        this.#buffer = data;
        return;
      }
      this.#prefaceSeen = true;
      offset = PREFACE.length;
    }
    while (!this.#dead) {
      const left = data.length - offset;
      if (left < FRAME_HEADER_BYTES) break;
      const length = data.readUIntBE(offset, 3);
      if (length > DEFAULT_MAX_FRAME_SIZE) {
        throw new ConnectionError(
          ErrorCode.FRAME_SIZE_ERROR,
          `a frame of ${length} bytes, over SETTINGS_MAX_FRAME_SIZE`,
        );
      }
      if (left < FRAME_HEADER_BYTES + length) break;
      const type = data[offset + 3] as number;
      const flags = data[offset + 4] as number;
      const streamId = data.readUInt32BE(offset + 5) & 0x7fffffff;
      const start = offset + FRAME_HEADER_BYTES;
      offset = start + length;
      this.#frame(type, flags, streamId, data.subarray(start, offset));
    }
    if (offset < data.length && !this.#dead) {
      data = data.subarray(offset);
      this.#buffer = data;
    }
    // Received bytes are consumed or dropped at once: give the connection window back.
    if (this.#connectionUnacked >= CONNECTION_WINDOW / 4 && !this.#dead) {
      this.#emit(windowUpdateFrame(0, this.#connectionUnacked));
      this.#connectionReceiveWindow += this.#connectionUnacked;
      this.#connectionUnacked = 0;
    }
  }

  #frame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.#headerBlock !== undefined && type !== FrameType.CONTINUATION) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `frame type ${type} inside the header block of stream ${this.#headerBlock.streamId}`,
      );
    }
    if (!this.#settingsSeen && (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0)) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "the preface's SETTINGS frame is missing",
      );
    }
    try {
      switch (type) {
        case FrameType.DATA:
          this.#onDataFrame(flags, streamId, payload);
          return;
        case FrameType.HEADERS:
          this.#onHeaders(flags, streamId, payload);
          return;
        case FrameType.PRIORITY:
          this.#onPriority(streamId, payload);
          return;
        case FrameType.RST_STREAM:
          this.#onRstStream(streamId, payload);
          return;
        case FrameType.SETTINGS:
          this.#onSettings(flags, streamId, payload);
          return;
        case FrameType.PUSH_PROMISE:
          throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client");
        case FrameType.PING:
          this.#onPing(flags, streamId, payload);
          return;
        case FrameType.GOAWAY:
          this.#onGoAway(streamId, payload);
          return;
        case FrameType.WINDOW_UPDATE:
          this.#onWindowUpdate(streamId, payload);
          return;
        case FrameType.CONTINUATION:
          this.#onContinuation(flags, streamId, payload);
          return;
        default:
        // Unknown frame types are ignored (§5.5).
      }
    } catch (error) {
      if (!(error instanceof StreamError)) throw error;
      // A stream the client got wrong costs as much as one it reset (a flood of empty HEADERS).
      if (error.code !== ErrorCode.REFUSED_STREAM && !this.#resets.spend()) {
        throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many malformed streams");
      }
      this.#resetId(error.streamId, error.code);
    }
  }

  /** A stream that is neither open nor closed: never opened by the client (§5.1). */
  #idle(streamId: number): boolean {
    return streamId > this.#lastStreamId || streamId % 2 === 0;
  }

  #onDataFrame(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    const data = (flags & Flag.PADDED) !== 0 ? unpad(payload, 0) : payload;
    // Flow control counts the whole payload, padding included (§6.9.1).
    if (payload.length > this.#connectionReceiveWindow) {
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection window");
    }
    this.#connectionReceiveWindow -= payload.length;
    this.#connectionUnacked += payload.length;
    const stream = this.#streams.get(streamId);
    if (stream === undefined) {
      if (this.#idle(streamId)) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `DATA on idle stream ${streamId}`);
      }
      if (this.#closedQuietly(streamId) === true) return;
      throw new StreamError(streamId, ErrorCode.STREAM_CLOSED, "DATA on a closed stream");
    }
    if (stream.remoteEnded) {
      throw new StreamError(streamId, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
    }
    if (payload.length > stream.recvWindow) {
      throw new StreamError(
        streamId,
        ErrorCode.FLOW_CONTROL_ERROR,
        "DATA beyond the stream window",
      );
    }
    stream.recvWindow -= payload.length;
    const end = (flags & Flag.END_STREAM) !== 0;
    if (data.length === 0 && !end && !this.#emptyFrames.spend()) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many empty DATA frames");
    }
    if (stream.contentLength >= 0) {
      stream.received += data.length;
      if (
        stream.received > stream.contentLength ||
        (end && stream.received !== stream.contentLength)
      ) {
        throw new StreamError(
          streamId,
          ErrorCode.PROTOCOL_ERROR,
          "DATA does not match content-length",
        );
      }
    }
    // Set before the data is handed on, so that an answer given from it closes the stream.
    if (end) stream.remoteEnded = true;
    if (stream.reading) {
      stream.recvUnacked += payload.length;
      if (data.length > 0 && stream.ondata !== undefined) {
        try {
          stream.ondata(data);
        } catch (error) {
          this.#handlerFailed(stream, error);
          return;
        }
      }
      if (!end && stream.reading && !stream.closed && stream.recvUnacked >= STREAM_WINDOW / 2) {
        this.#emit(windowUpdateFrame(streamId, stream.recvUnacked));
        stream.recvWindow += stream.recvUnacked;
        stream.recvUnacked = 0;
      }
    }
    if (end && !stream.closed) this.#ended(stream);
  }

  #onHeaders(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0");
    let start = 0;
    let end = payload.length;
    if ((flags & Flag.PADDED) !== 0) {
      if (payload.length < 1)
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short");
      end -= payload[0] as number;
      start = 1;
    }
    let selfDependent = false;
    if ((flags & Flag.PRIORITY) !== 0) {
      if (end - start < 5)
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS too short for its priority");
      selfDependent = (payload.readUInt32BE(start) & 0x7fffffff) === streamId;
      start += 5;
    }
    if (end < start) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS padding longer than the frame");
    }
    const fragment = payload.subarray(start, end);
    this.#headerBlock = {
      streamId,
      endStream: (flags & Flag.END_STREAM) !== 0,
      selfDependent,
      chunks: [fragment],
      bytes: fragment.length,
      frames: 1,
    };
    if ((flags & Flag.END_HEADERS) !== 0) this.#endHeaderBlock();
    else this.#checkHeaderBlockSize(this.#headerBlock);
  }

  #onContinuation(flags: number, streamId: number, payload: Buffer): void {
    const block = this.#headerBlock;
    if (block === undefined) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without HEADERS before it");
    }
    if (streamId !== block.streamId) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `CONTINUATION on stream ${streamId} inside the header block of stream ${block.streamId}`,
      );
    }
    block.chunks.push(payload);
    block.bytes += payload.length;
    block.frames++;
    this.#checkHeaderBlockSize(block);
    if ((flags & Flag.END_HEADERS) !== 0) this.#endHeaderBlock();
  }

  /** A header block is decoded whole (HPACK's state needs every byte), but not without end. */
  #checkHeaderBlockSize(block: HeaderBlock): void {
    // `frames` counts the HEADERS frame too.
    if (block.frames - 1 > this.#floods.maxContinuationFrames) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "a header block of too many frames");
    }
    if (block.bytes > HEADER_BLOCK_FACTOR * this.#options.maxHeaderListBytes) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "a header block too large to decode");
    }
  }

  #endHeaderBlock(): void {
    const block = this.#headerBlock as HeaderBlock;
    this.#headerBlock = undefined;
    const raw =
      block.chunks.length === 1
        ? (block.chunks[0] as Buffer)
        : Buffer.concat(block.chunks, block.bytes);
    let fields: string[];
    try {
      fields = this.#decoder.decode(raw);
    } catch (error) {
      if (error instanceof HpackError) {
        throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, `header block: ${error.message}`);
      }
      throw error;
    }
    const streamId = block.streamId;
    const existing = this.#streams.get(streamId);
    if (existing !== undefined) {
      this.#onTrailers(existing, block, fields);
      return;
    }
    if (streamId % 2 === 0) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `a client stream with an even id (${streamId})`,
      );
    }
    if (streamId <= this.#lastStreamId) {
      const quiet = this.#closedQuietly(streamId);
      if (quiet === true) return;
      throw new ConnectionError(
        quiet === false ? ErrorCode.STREAM_CLOSED : ErrorCode.PROTOCOL_ERROR,
        `HEADERS on stream ${streamId}, not above the last stream ${this.#lastStreamId}`,
      );
    }
    this.#lastStreamId = streamId;
    if (block.selfDependent) {
      throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "a stream that depends on itself");
    }
    if (this.#goingAway) throw new StreamError(streamId, ErrorCode.REFUSED_STREAM, "going away");
    if (this.#streams.size >= this.#options.maxConcurrentStreams) {
      if (!this.#refusals.spend()) {
        throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many streams past the limit");
      }
      throw new StreamError(streamId, ErrorCode.REFUSED_STREAM, "too many concurrent streams");
    }
    const headers = requestHeaders(fields);
    if (typeof headers === "string") {
      throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, `malformed request: ${headers}`);
    }
    const stream = new H2Stream(streamId, headers, this, this.#peerInitialWindow, STREAM_WINDOW);
    if (block.endStream && stream.contentLength > 0) {
      throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "content-length without DATA");
    }
    this.#streams.set(streamId, stream);
    if (block.endStream) stream.remoteEnded = true;
    if (headerListBytes(fields) > this.#options.maxHeaderListBytes) {
      stream.respond({ ":status": 431 }, { endStream: true });
      return;
    }
    try {
      this.#options.onStream(stream);
    } catch (error) {
      this.#handlerFailed(stream, error);
      return;
    }
    if (block.endStream && !stream.closed) this.#ended(stream);
  }

  #onTrailers(stream: H2Stream, block: HeaderBlock, fields: string[]): void {
    const id = stream.id;
    if (stream.remoteEnded)
      throw new StreamError(id, ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM");
    if (!block.endStream)
      throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "trailers without END_STREAM");
    const problem = trailerProblem(fields);
    if (problem !== undefined) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, problem);
    if (stream.contentLength >= 0 && stream.received !== stream.contentLength) {
      throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "DATA does not match content-length");
    }
    stream.remoteEnded = true;
    this.#ended(stream);
  }

  #ended(stream: H2Stream): void {
    if (stream.onend === undefined) return;
    try {
      stream.onend();
    } catch (error) {
      this.#handlerFailed(stream, error);
    }
  }

  #onPriority(streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
    if (payload.length !== 5) {
      throw new StreamError(
        streamId,
        ErrorCode.FRAME_SIZE_ERROR,
        "PRIORITY of a length other than 5",
      );
    }
    if ((payload.readUInt32BE(0) & 0x7fffffff) === streamId) {
      throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "a stream that depends on itself");
    }
  }

  #onRstStream(streamId: number, payload: Buffer): void {
    if (streamId === 0)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (payload.length !== 4) {
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM of a length other than 4");
    }
    if (this.#idle(streamId)) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${streamId}`);
    }
    if (!this.#resets.spend()) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many streams reset");
    }
    const stream = this.#streams.get(streamId);
    // The peer sends nothing more on it: a frame that comes anyway is STREAM_CLOSED.
    if (stream !== undefined) this.#closeStream(stream, false);
  }

  #onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if ((flags & Flag.ACK) !== 0) {
      if (payload.length !== 0)
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      return;
    }
    if (payload.length % 6 !== 0) {
      throw new ConnectionError(
        ErrorCode.FRAME_SIZE_ERROR,
        "SETTINGS of a length not a multiple of 6",
      );
    }
    this.#settingsSeen = true;
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      switch (id) {
        case Setting.ENABLE_PUSH:
          if (value > 1)
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH ${value}`);
          break;
        case Setting.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW_SIZE) {
            throw new ConnectionError(
              ErrorCode.FLOW_CONTROL_ERROR,
              `SETTINGS_INITIAL_WINDOW_SIZE ${value}`,
            );
          }
          // Open streams' windows move by the difference, and may go negative (§6.9.2).
          const delta = value - this.#peerInitialWindow;
          this.#peerInitialWindow = value;
          for (const stream of this.#streams.values()) {
            stream.sendWindow += delta;
            if (stream.sendWindow > MAX_WINDOW_SIZE) {
              throw new ConnectionError(
                ErrorCode.FLOW_CONTROL_ERROR,
                "a stream window past 2^31-1",
              );
            }
          }
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_ALLOWED_FRAME_SIZE) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value}`);
          }
          this.#peerMaxFrameSize = value;
          break;
        default:
        // HEADER_TABLE_SIZE: our encoder never uses the dynamic table. Unknown ids are ignored.
      }
    }
    this.#emitControl(frame(FrameType.SETTINGS, Flag.ACK, 0));
    this.#resumeAll();
  }

  #onPing(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
    if (payload.length !== 8)
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING of a length other than 8");
    // Never answer an answer.
    if ((flags & Flag.ACK) === 0) this.#emitControl(frame(FrameType.PING, Flag.ACK, 0, payload));
  }

  #onGoAway(streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
    if (payload.length < 8)
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY shorter than 8");
    // The client opens no more streams: finish those open, then close.
    this.shutdown();
  }

  #onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) {
      throw new ConnectionError(
        ErrorCode.FRAME_SIZE_ERROR,
        "WINDOW_UPDATE of a length other than 4",
      );
    }
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0)
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      if (this.#connectionSendWindow + increment > MAX_WINDOW_SIZE) {
        throw new ConnectionError(
          ErrorCode.FLOW_CONTROL_ERROR,
          "the connection window past 2^31-1",
        );
      }
      this.#connectionSendWindow += increment;
      this.#resumeAll();
      return;
    }
    const stream = this.#streams.get(streamId);
    if (stream === undefined) {
      if (this.#idle(streamId)) {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `WINDOW_UPDATE on idle stream ${streamId}`,
        );
      }
      return;
    }
    if (increment === 0)
      throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    if (stream.sendWindow + increment > MAX_WINDOW_SIZE) {
      throw new StreamError(streamId, ErrorCode.FLOW_CONTROL_ERROR, "a stream window past 2^31-1");
    }
    stream.sendWindow += increment;
    if (stream.pending.length > 0) this.#resume(stream);
  }

  // --- Streams -------------------------------------------------------------------------------

  #handlerFailed(stream: H2Stream, error: unknown): void {
    this.#options.onHandlerError(error);
    if (!stream.closed) this.reset(stream, ErrorCode.INTERNAL_ERROR);
  }

  /** RST_STREAM for a stream error; frames still in flight on that stream are then ignored. */
  #resetId(streamId: number, code: ErrorCode): void {
    this.#emitControl(rstStreamFrame(streamId, code));
    const stream = this.#streams.get(streamId);
    if (stream !== undefined) this.#closeStream(stream, true);
    else this.#remember(streamId, true);
  }

  #remember(streamId: number, quiet: boolean): void {
    const at = this.#closedNext;
    this.#closedIds[at] = streamId;
    this.#closedQuiet[at] = quiet ? 1 : 0;
    this.#closedNext = (at + 1) % CLOSED_REMEMBERED;
  }

  /** Whether a closed stream is remembered: true when frames on it are to be ignored. */
  #closedQuietly(streamId: number): boolean | undefined {
    // Newest first: a stream closed twice (reset after its end) counts as last closed.
    for (let i = 1; i <= CLOSED_REMEMBERED; i++) {
      const at = (this.#closedNext - i + CLOSED_REMEMBERED) % CLOSED_REMEMBERED;
      if (this.#closedIds[at] === streamId) return this.#closedQuiet[at] === 1;
    }
    return undefined;
  }

  #closeStream(stream: H2Stream, quiet: boolean): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.pending = [];
    this.#streams.delete(stream.id);
    this.#blocked.delete(stream);
    this.#remember(stream.id, quiet);
    if (this.#streams.size === 0) {
      this.#lastActive = performance.now();
      if (this.#goingAway) this.#closeSoon();
    }
    const onclose = stream.onclose;
    if (onclose === undefined) return;
    try {
      onclose();
    } catch (error) {
      this.#options.onHandlerError(error);
    }
  }

  /** END_STREAM is out: the stream is closed, or, if the client still sends, reset NO_ERROR. */
  #localEnd(stream: H2Stream): void {
    if (stream.remoteEnded) {
      this.#closeStream(stream, false);
      return;
    }
    // The whole response is sent before the whole request came (§8.1): the rest is not wanted.
    this.#emitControl(rstStreamFrame(stream.id, ErrorCode.NO_ERROR));
    this.#closeStream(stream, true);
  }

  // --- StreamSink: what streams send ----------------------------------------------------------

  encode(fields: readonly string[]): Uint8Array {
    return encodeHeaderBlock(fields);
  }

  sendHeaders(stream: H2Stream, block: Uint8Array, endStream: boolean): void {
    this.#emitHeaders(stream.id, block, endStream);
    if (endStream) this.#localEnd(stream);
  }

  sendData(stream: H2Stream, data: Uint8Array, endStream: boolean): void {
    if (stream.pending.length > 0) {
      if (data.length > 0) stream.pending.push(data);
      if (endStream) stream.endAfterPending = true;
      return;
    }
    const sent = this.#writeData(stream, data, endStream);
    if (sent < data.length) {
      stream.pending.push(data.subarray(sent));
      stream.endAfterPending = endStream;
      this.#blocked.add(stream);
      return;
    }
    if (endStream) this.#localEnd(stream);
  }

  sendTrailers(stream: H2Stream, block: Uint8Array): void {
    // Trailers wait behind DATA that waits for window.
    if (stream.pending.length > 0) {
      stream.endAfterPending = block;
      return;
    }
    this.#emitHeaders(stream.id, block, true);
    this.#localEnd(stream);
  }

  sendUnary(stream: H2Stream, headers: Uint8Array, data: Uint8Array, trailers: Uint8Array): void {
    const max = this.#peerMaxFrameSize;
    if (
      data.length > this.#connectionSendWindow ||
      data.length > stream.sendWindow ||
      data.length > max ||
      headers.length > max ||
      trailers.length > max
    ) {
      this.sendHeaders(stream, headers, false);
      this.sendData(stream, data, false);
      if (!stream.closed) this.sendTrailers(stream, trailers);
      return;
    }
    const out = Buffer.allocUnsafe(
      3 * FRAME_HEADER_BYTES + headers.length + data.length + trailers.length,
    );
    const id = stream.id;
    writeFrameHeader(out, 0, headers.length, FrameType.HEADERS, Flag.END_HEADERS, id);
    out.set(headers, FRAME_HEADER_BYTES);
    let at = FRAME_HEADER_BYTES + headers.length;
    writeFrameHeader(out, at, data.length, FrameType.DATA, 0, id);
    out.set(data, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + data.length;
    writeFrameHeader(
      out,
      at,
      trailers.length,
      FrameType.HEADERS,
      Flag.END_HEADERS | Flag.END_STREAM,
      id,
    );
    out.set(trailers, at + FRAME_HEADER_BYTES);
    this.#connectionSendWindow -= data.length;
    stream.sendWindow -= data.length;
    this.#emit(out);
    this.#localEnd(stream);
  }

  reset(stream: H2Stream, code: ErrorCode): void {
    if (stream.closed) return;
    this.#emitControl(rstStreamFrame(stream.id, code));
    this.#closeStream(stream, true);
  }

  /** HEADERS, and CONTINUATION frames when the block is larger than a frame may be. */
  #emitHeaders(streamId: number, block: Uint8Array, endStream: boolean): void {
    const max = this.#peerMaxFrameSize;
    const endFlag = endStream ? Flag.END_STREAM : 0;
    if (block.length <= max) {
      this.#emit(frame(FrameType.HEADERS, Flag.END_HEADERS | endFlag, streamId, block));
      return;
    }
    this.#emit(frame(FrameType.HEADERS, endFlag, streamId, block.subarray(0, max)));
    for (let at = max; at < block.length; at += max) {
      const last = at + max >= block.length;
      this.#emit(
        frame(
          FrameType.CONTINUATION,
          last ? Flag.END_HEADERS : 0,
          streamId,
          block.subarray(at, at + max),
        ),
      );
    }
  }

  /** DATA frames for as much of `data` as the windows allow; returns how much that was. */
  #writeData(stream: H2Stream, data: Uint8Array, endStream: boolean): number {
    if (data.length === 0) {
      if (endStream) this.#emit(frame(FrameType.DATA, Flag.END_STREAM, stream.id));
      return 0;
    }
    let offset = 0;
    while (offset < data.length) {
      const n = Math.min(
        data.length - offset,
        this.#peerMaxFrameSize,
        this.#connectionSendWindow,
        stream.sendWindow,
      );
      if (n <= 0) break;
      const last = offset + n === data.length;
      const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
      writeFrameHeader(
        header,
        0,
        n,
        FrameType.DATA,
        last && endStream ? Flag.END_STREAM : 0,
        stream.id,
      );
      this.#emit(header);
      this.#emit(data.subarray(offset, offset + n));
      offset += n;
      this.#connectionSendWindow -= n;
      stream.sendWindow -= n;
    }
    return offset;
  }

  /** Sends what a stream has waiting, as far as the windows now allow. */
  #resume(stream: H2Stream): void {
    const pending = stream.pending;
    while (pending.length > 0) {
      const chunk = pending[0] as Uint8Array;
      const end = pending.length === 1 && stream.endAfterPending === true;
      const sent = this.#writeData(stream, chunk, end);
      if (sent < chunk.length) {
        pending[0] = chunk.subarray(sent);
        return;
      }
      pending.shift();
    }
    this.#blocked.delete(stream);
    const after = stream.endAfterPending;
    if (after === true) this.#localEnd(stream);
    else if (after !== false) {
      this.#emitHeaders(stream.id, after, true);
      this.#localEnd(stream);
    }
  }

  #resumeAll(): void {
    for (const stream of this.#blocked) {
      if (this.#connectionSendWindow <= 0) return;
      this.#resume(stream);
    }
  }

  // --- Writing -------------------------------------------------------------------------------

  #emit(bytes: Uint8Array): void {
    if (this.#dead) return;
    this.#out.push(bytes);
    this.#outBytes += bytes.length;
    if (!this.#inRead && !this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushTask);
    }
  }

  /** A frame the peer's own frames make us send: a peer that does not read cannot pile them up. */
  #emitControl(bytes: Uint8Array): void {
    if (++this.#controlQueued > MAX_QUEUED_CONTROL_FRAMES) {
      this.#destroy();
      return;
    }
    this.#emit(bytes);
  }

  readonly #flushTask = (): void => this.#flush();

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#outBytes === 0 || this.#socket.destroyed) return;
    const out =
      this.#out.length === 1
        ? (this.#out[0] as Uint8Array)
        : Buffer.concat(this.#out, this.#outBytes);
    this.#out = [];
    this.#outBytes = 0;
    this.#socket.write(out);
    const buffered = this.#socket.writableLength;
    if (buffered === 0) this.#controlQueued = 0;
    else if (buffered > WRITE_BUFFER_LIMIT && !this.#pausedForWrite) {
      this.#pausedForWrite = true;
      this.#socket.pause();
    }
  }

  #onDrain(): void {
    this.#controlQueued = 0;
    if (this.#pausedForWrite) {
      this.#pausedForWrite = false;
      if (!this.#dead) this.#socket.resume();
    }
  }

  // --- Ending --------------------------------------------------------------------------------

  /**
   * A connection error: GOAWAY with its code, every stream closed, then the socket. A flooding
   * peer's connection (ENHANCE_YOUR_CALM) is held unread, without FIN, for `floods.floodHoldMs` before it
   * is destroyed: such a client keeps writing, and reading what it writes or accepting its next
   * connection at once was most of a flood's cost, while a held connection costs a descriptor
   * and the kernel's receive buffer, and TCP's window stops its writes.
   */
  #fail(code: ErrorCode, message: string): void {
    if (this.#dead) return;
    this.#emit(goAwayFrame(this.#lastStreamId, code, message));
    this.#flush();
    this.#dead = true;
    this.#closeAll();
    this.#options.onConnectionError?.(this.#socket, code, message);
    if (code === ErrorCode.ENHANCE_YOUR_CALM) holdUnread(this.#socket, this.#floods.floodHoldMs);
    else this.#endSocket();
  }

  /** Closes once what is queued is written (after the current read's frames). */
  #closeSoon(): void {
    if (this.#closing) return;
    this.#closing = true;
    queueMicrotask(() => {
      if (this.#dead) return;
      this.#flush();
      this.#dead = true;
      this.#endSocket();
    });
  }

  #endSocket(): void {
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  #destroy(): void {
    this.#dead = true;
    this.#closeAll();
    this.#socket.destroy();
  }

  #closeAll(): void {
    for (const stream of [...this.#streams.values()]) this.#closeStream(stream, true);
  }

  #onClose(): void {
    this.#dead = true;
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#out = [];
    this.#outBytes = 0;
    this.#closeAll();
  }

  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(this.#onIdle, ms);
  }

  readonly #onIdle = (): void => {
    if (this.#dead || this.#goingAway) return;
    const idle = this.#options.idleTimeoutMs;
    if (this.#streams.size > 0) {
      this.#armIdle(idle);
      return;
    }
    const quiet = performance.now() - this.#lastActive;
    if (quiet >= idle - 1) this.shutdown();
    else this.#armIdle(idle - quiet);
  };
}

/** A padded frame's content (§6.1): the pad length byte at `at`, the padding at the end. */
function unpad(payload: Buffer, at: number): Buffer {
  if (payload.length <= at)
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "a padded frame too short");
  const pad = payload[at] as number;
  if (pad >= payload.length - at) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding as long as the frame or longer");
  }
  return payload.subarray(at + 1, payload.length - pad);
}
