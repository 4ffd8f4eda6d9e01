// The HTTP/2 layer on its own, against hand-made frames: flow control that holds DATA and
// trailers back until WINDOW_UPDATE, GOAWAY on idle and on stop with the streams in flight
// finishing, 431, and each flood limit (rapid reset, CONTINUATION, refused streams, a PING flood
// from a client that does not read). RFC conformance as a whole is h2spec's (../conformance.test.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { ErrorCode, Flag, FrameType, Setting } from "./constants.ts";
import { frame, settingsFrame, windowUpdateFrame } from "./frames.ts";
import {
  DEFAULT_FLOOD_LIMITS,
  encodeHeaderBlock,
  H2Connection,
  type H2Stream,
  PREFACE,
} from "./index.ts";

const connections = new Set<H2Connection>();
let server: net.Server;
let port: number;
const limits = { maxConcurrentStreams: 4, maxHeaderListBytes: 1024, idleTimeoutMs: 60_000 };
let idleTimeoutMs = limits.idleTimeoutMs;

/** Test handlers by :path. */
function onStream(stream: H2Stream): void {
  switch (stream.headers[":path"]) {
    case "/body": {
      // 100 bytes in two writes, then trailers: all of it waits for window.
      stream.respond({ ":status": 200 }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ done: "yes" }));
      stream.write(Buffer.alloc(60, 1));
      stream.end(Buffer.alloc(40, 2));
      return;
    }
    case "/hold":
      // Answered when the client ends its request.
      stream.onend = () => stream.respond({ ":status": 204 }, { endStream: true });
      return;
    default:
      stream.respond({ ":status": 200 }, { endStream: true });
  }
}

beforeAll(async () => {
  server = net.createServer((socket) => {
    socket.once("data", (head: Buffer) => {
      const connection = new H2Connection(socket, head, {
        ...limits,
        idleTimeoutMs,
        onStream,
        onHandlerError: (error) => {
          throw error;
        },
      });
      connections.add(connection);
      socket.once("close", () => connections.delete(connection));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(() => {
  server.close();
});

interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** A raw client: sends the preface and `settings`, ACKs the server's, and keeps every frame. */
class Client {
  readonly socket: net.Socket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<void>;
  #pending: Buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];

  constructor(settings: [number, number][] = [], read = true) {
    this.socket = net.connect({ host: "127.0.0.1", port });
    this.socket.on("error", () => {});
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
    if (!read) this.socket.pause();
    this.socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.socket.write(Buffer.concat([PREFACE, settingsFrame(settings)]));
  }

  #onData(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 9) {
      const length = this.#pending.readUIntBE(0, 3);
      if (this.#pending.length < 9 + length) break;
      const f = {
        type: this.#pending[3] as number,
        flags: this.#pending[4] as number,
        streamId: this.#pending.readUInt32BE(5) & 0x7fffffff,
        payload: this.#pending.subarray(9, 9 + length),
      };
      this.#pending = this.#pending.subarray(9 + length);
      if (f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0) {
        this.socket.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
      }
      this.frames.push(f);
    }
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves with the first frame `match` accepts (seen already or to come), or fails after 5 s. */
  async next(match: (f: Frame) => boolean, what: string): Promise<Frame> {
    const deadline = performance.now() + 5000;
    for (;;) {
      const found = this.frames.find(match);
      if (found !== undefined) return found;
      if (performance.now() > deadline || this.socket.destroyed) {
        throw new Error(`no ${what}; got types ${this.frames.map((f) => f.type).join(",")}`);
      }
      await Promise.race([new Promise<void>((r) => this.#waiters.push(r)), Bun.sleep(50)]);
    }
  }

  goAway(): Promise<Frame> {
    return this.next((f) => f.type === FrameType.GOAWAY, "GOAWAY");
  }

  request(streamId: number, path: string, endStream: boolean, extra: string[] = []): Buffer {
    const block = encodeHeaderBlock([
      ":method",
      "POST",
      ":scheme",
      "http",
      ":authority",
      "test",
      ":path",
      path,
      ...extra,
    ]);
    const flags = Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0);
    return frame(FrameType.HEADERS, flags, streamId, block);
  }
}

const codeOf = (goAway: Frame) => goAway.payload.readUInt32BE(4);
const rst = (id: number, code: number) => {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FrameType.RST_STREAM, 0, id, payload);
};

describe("flow control", () => {
  test("DATA and then trailers wait for WINDOW_UPDATE; the peer's frame size and windows are kept", async () => {
    const client = new Client([[Setting.INITIAL_WINDOW_SIZE, 10]]);
    client.socket.write(client.request(1, "/body", true));
    await client.next((f) => f.type === FrameType.DATA, "first DATA");
    await Bun.sleep(100);
    const sent = () => client.frames.filter((f) => f.type === FrameType.DATA && f.streamId === 1);
    expect(sent().reduce((n, f) => n + f.payload.length, 0)).toBe(10);
    const trailers = (f: Frame) =>
      f.type === FrameType.HEADERS && (f.flags & Flag.END_STREAM) !== 0;
    expect(client.frames.some(trailers)).toBe(false);
    client.socket.write(windowUpdateFrame(1, 90));
    const last = await client.next(trailers, "trailers");
    expect(sent().reduce((n, f) => n + f.payload.length, 0)).toBe(100);
    // Trailers come after the last DATA.
    expect(client.frames.indexOf(last)).toBeGreaterThan(
      client.frames.indexOf(sent().at(-1) as Frame),
    );
    client.socket.destroy();
  });
});

describe("GOAWAY", () => {
  test("after the idle timeout, when no stream is open", async () => {
    idleTimeoutMs = 200;
    try {
      const client = new Client();
      const goAway = await client.goAway();
      expect(codeOf(goAway)).toBe(ErrorCode.NO_ERROR);
      await client.closed;
    } finally {
      idleTimeoutMs = limits.idleTimeoutMs;
    }
  });

  test("on stop: the stream in flight finishes, a new one is refused, then the connection closes", async () => {
    const client = new Client();
    client.socket.write(client.request(1, "/hold", false));
    await Bun.sleep(100);
    for (const connection of connections) connection.shutdown();
    const goAway = await client.goAway();
    expect(goAway.payload.readUInt32BE(0)).toBe(1);
    client.socket.write(client.request(3, "/", true));
    const refused = await client.next((f) => f.type === FrameType.RST_STREAM, "RST_STREAM");
    expect([refused.streamId, refused.payload.readUInt32BE(0)]).toEqual([
      3,
      ErrorCode.REFUSED_STREAM,
    ]);
    client.socket.write(frame(FrameType.DATA, Flag.END_STREAM, 1));
    const answer = await client.next(
      (f) => f.type === FrameType.HEADERS && f.streamId === 1,
      "answer",
    );
    expect(answer.flags & Flag.END_STREAM).toBe(Flag.END_STREAM);
    await client.closed;
  });
});

test("a header list over the limit is answered 431, and the connection serves on", async () => {
  const client = new Client();
  client.socket.write(client.request(1, "/", true, ["x-big", "a".repeat(2000)]));
  const answer = await client.next((f) => f.type === FrameType.HEADERS, "answer");
  expect(answer.payload.toString("latin1")).toContain("431");
  client.socket.write(client.request(3, "/", true));
  await client.next((f) => f.type === FrameType.HEADERS && f.streamId === 3, "second answer");
  client.socket.destroy();
});

describe("floods end in GOAWAY ENHANCE_YOUR_CALM", () => {
  test("rapid reset (CVE-2023-44487)", async () => {
    const client = new Client();
    const frames: Buffer[] = [];
    for (let i = 0; i < DEFAULT_FLOOD_LIMITS.resetBudget.burst * 2; i++) {
      const id = 1 + 2 * i;
      frames.push(client.request(id, "/hold", false), rst(id, ErrorCode.CANCEL));
    }
    client.socket.write(Buffer.concat(frames));
    expect(codeOf(await client.goAway())).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    await client.closed;
  });

  test("malformed requests (empty HEADERS), each reset PROTOCOL_ERROR", async () => {
    const client = new Client();
    const frames: Buffer[] = [];
    for (let i = 0; i < DEFAULT_FLOOD_LIMITS.resetBudget.burst * 2; i++) {
      frames.push(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1 + 2 * i));
    }
    client.socket.write(Buffer.concat(frames));
    const reset = await client.next((f) => f.type === FrameType.RST_STREAM, "RST_STREAM");
    expect(reset.payload.readUInt32BE(0)).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(codeOf(await client.goAway())).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    await client.closed;
  });

  test("empty CONTINUATION frames without end", async () => {
    const client = new Client();
    const block = client.request(1, "/", true).subarray(9);
    const empty = frame(FrameType.CONTINUATION, 0, 1);
    client.socket.write(
      Buffer.concat([frame(FrameType.HEADERS, 0, 1, block), ...Array(1000).fill(empty)]),
    );
    expect(codeOf(await client.goAway())).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    // Held unread for a while rather than closed at once: a flooder can't start over at once.
    const closedSoon = await Promise.race([
      client.closed.then(() => true),
      Bun.sleep(500).then(() => false),
    ]);
    expect(closedSoon).toBe(false);
    await client.closed;
  });

  test("streams past MAX_CONCURRENT_STREAMS: refused, then GOAWAY for a client that keeps at it", async () => {
    const client = new Client();
    const frames: Buffer[] = [];
    for (let i = 0; i < 400; i++) frames.push(client.request(1 + 2 * i, "/hold", false));
    client.socket.write(Buffer.concat(frames));
    const refused = await client.next((f) => f.type === FrameType.RST_STREAM, "RST_STREAM");
    expect([refused.streamId, refused.payload.readUInt32BE(0)]).toEqual([
      9,
      ErrorCode.REFUSED_STREAM,
    ]);
    expect(codeOf(await client.goAway())).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    await client.closed;
  });
});

test("a PING flood from a client that never reads: the connection is closed, not buffered", async () => {
  const client = new Client([], false);
  const ping = frame(FrameType.PING, 0, 0, Buffer.alloc(8));
  const batch = Buffer.concat(Array(10_000).fill(ping));
  // Kernel socket buffers take the first few MiB of answers; the server stops after that.
  for (let i = 0; i < 60 && !client.socket.destroyed; i++) {
    if (!client.socket.write(batch)) await Bun.sleep(5);
  }
  const closed = await Promise.race([
    client.closed.then(() => true),
    Bun.sleep(5000).then(() => false),
  ]);
  client.socket.destroy();
  expect(closed).toBe(true);
});
