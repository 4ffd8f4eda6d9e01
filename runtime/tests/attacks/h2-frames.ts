// Hand-made HTTP/2 frames for attack tests: what a misbehaving client sends that no well-behaved
// library will (streams past the advertised limit, endless CONTINUATION, rapid resets). Headers
// are HPACK literals without indexing or Huffman coding, so each frame is self-contained.
import net from "node:net";

export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export const FrameType = {
  Data: 0x0,
  Headers: 0x1,
  RstStream: 0x3,
  Settings: 0x4,
  Ping: 0x6,
  GoAway: 0x7,
  WindowUpdate: 0x8,
  Continuation: 0x9,
} as const;

export const Flags = { EndStream: 0x1, Ack: 0x1, EndHeaders: 0x4 } as const;

export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = new Uint8Array(0),
): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

function hpackInteger(value: number, prefixBits: number, firstByte: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByte | value];
  const out = [firstByte | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
  return out;
}

/** A header block of literal fields without indexing, new names (RFC 7541 §6.2.2). */
export function headerBlock(headers: readonly (readonly [string, string])[]): Buffer {
  const parts: number[] = [];
  for (const [name, value] of headers) {
    const n = Buffer.from(name, "latin1");
    const v = Buffer.from(value, "latin1");
    parts.push(0x00, ...hpackInteger(n.length, 7, 0), ...n, ...hpackInteger(v.length, 7, 0));
    for (const byte of v) parts.push(byte);
  }
  return Buffer.from(parts);
}

/** The request headers of a gRPC call to `path`. */
export function grpcRequestHeaders(authority: string, path: string): [string, string][] {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", authority],
    [":path", path],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
  ];
}

export interface RawH2Connection {
  readonly socket: net.Socket;
  /** Frames the server sent, by type, counted as they arrive. */
  readonly received: Map<number, number>;
  /** The GOAWAY error code, once one came. */
  goAwayCode(): number | undefined;
  /** Resolves when the server closed the connection. */
  readonly closed: Promise<void>;
  /**
   * Resolves once the server's SETTINGS came and were acknowledged: a header block sent after
   * that is not split by our ACK (inside one, any other frame is a connection error).
   */
  readonly settled: Promise<void>;
  write(data: Uint8Array): boolean;
  /** Resolves when the socket's write buffer drains, it closes, or `ms` have passed. */
  drained(ms: number): Promise<void>;
  destroy(): void;
}

/**
 * A TCP connection (from `localAddress` if given) that has sent the preface and an empty
 * SETTINGS, and counts what comes back.
 */
export function connectRaw(
  host: string,
  port: number,
  localAddress?: string,
): Promise<RawH2Connection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(
      localAddress === undefined ? { host, port } : { host, port, localAddress },
    );
    const received = new Map<number, number>();
    let goAway: number | undefined;
    let pending: Buffer = Buffer.alloc(0);
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    const { promise: settled, resolve: settle } = Promise.withResolvers<void>();
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < 9 + length) break;
        const type = pending.readUInt8(3);
        const flags = pending.readUInt8(4);
        received.set(type, (received.get(type) ?? 0) + 1);
        if (type === FrameType.GoAway && length >= 8) goAway = pending.readUInt32BE(9 + 4);
        if (type === FrameType.Settings && (flags & Flags.Ack) === 0) {
          socket.write(frame(FrameType.Settings, Flags.Ack, 0));
          settle();
        }
        pending = pending.subarray(9 + length);
      }
    });
    socket.on("error", () => {});
    socket.once("connect", () => {
      socket.write(Buffer.concat([PREFACE, frame(FrameType.Settings, 0, 0)]));
      resolve({
        socket,
        received,
        goAwayCode: () => goAway,
        closed,
        settled,
        write: (data) => socket.write(data),
        drained: (ms) =>
          new Promise<void>((done) => {
            const finish = () => {
              clearTimeout(timer);
              socket.off("drain", finish);
              socket.off("close", finish);
              done();
            };
            const timer = setTimeout(finish, ms);
            socket.once("drain", finish);
            socket.once("close", finish);
          }),
        destroy: () => socket.destroy(),
      });
    });
    socket.once("error", reject);
  });
}
