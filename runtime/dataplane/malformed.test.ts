// Every way a gRPC request can fail, as raw HTTP/2 requests (headers and body bytes chosen by
// hand, one DATA frame per chunk): each row's status and message. Then a flood of random bodies.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import type http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileMethodCodec } from "../../src/codec/index.ts";
import { ComponentHost } from "../host/index.ts";
import { type PodServer, Status, startPodServer } from "./index.ts";
import {
  addFloatsMessage,
  connect,
  decodeAddFloatsResponse,
  frame,
  type RawRequest,
  rawRequest,
} from "./testdata/clients.ts";
import { examplePod, testerPod } from "./testdata/pods.ts";

const ADD = "/foo.bar.AdderService/AddFloats";
const f32 = Math.fround;
let cacheDir: string;
let adder: PodServer;
let tester: PodServer;
let adderSession: http2.ClientHttp2Session;
let testerSession: http2.ClientHttp2Session;
let malformedMessage: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "vimana-dataplane-malformed-"));
  const host = new ComponentHost({ cacheDir, log: () => {} });
  const log = () => {};
  const adderPod = await examplePod(host, "adder-wat");
  adder = await startPodServer({ address: "127.0.0.1", port: 0, log, ...adderPod });
  tester = await startPodServer({
    address: "127.0.0.1",
    port: 0,
    log,
    ...(await testerPod(host, 100_000)),
  });
  adderSession = connect("127.0.0.1", adder.port);
  testerSession = connect("127.0.0.1", tester.port);
  // What the codec says about field 1 sent as a varint: the status message carries it as is.
  const method = adderPod.metadata.services[0]?.methods.get("AddFloats");
  try {
    compileMethodCodec(method as NonNullable<typeof method>).decodeRequest(
      Uint8Array.of(0x08, 0x01),
    );
  } catch (error) {
    malformedMessage = (error as Error).message;
  }
});

afterAll(async () => {
  adderSession?.close();
  testerSession?.close();
  await Promise.all([adder?.stop(0), tester?.stop(0)]);
  await rm(cacheDir, { recursive: true, force: true });
});

interface Row {
  name: string;
  on?: "tester";
  request: RawRequest;
  /** HTTP status (default 200). */
  status?: number;
  grpcStatus?: number;
  grpcMessage?: string | (() => string);
  headers?: Record<string, string>;
  result?: number;
}

const added = frame(addFloatsMessage(3.5, -1.2));
const MiB = 1024 * 1024;

const rows: Row[] = [
  {
    name: "unknown service",
    request: { path: "/foo.Nope/AddFloats", body: [added] },
    grpcStatus: Status.UNIMPLEMENTED,
    grpcMessage: "unknown service foo.Nope",
  },
  {
    name: "unknown method",
    request: { path: "/foo.bar.AdderService/Nope", body: [added] },
    grpcStatus: Status.UNIMPLEMENTED,
    grpcMessage: "unknown method Nope for service foo.bar.AdderService",
  },
  {
    name: "a path that names no method",
    request: { path: "/nope", body: [added] },
    grpcStatus: Status.UNIMPLEMENTED,
    grpcMessage: 'malformed method name: "/nope"',
  },
  {
    name: "grpc-message is percent-encoded",
    request: { path: "/50%.Off/Now", body: [added] },
    grpcStatus: Status.UNIMPLEMENTED,
    grpcMessage: "unknown service 50%25.Off",
  },
  {
    name: "malformed protobuf: the codec's path message",
    request: { path: ADD, body: [frame(Uint8Array.of(0x08, 0x01))] },
    grpcStatus: Status.INVALID_ARGUMENT,
    grpcMessage: () => malformedMessage,
  },
  {
    name: "compressed-flag 1",
    request: { path: ADD, body: [frame(addFloatsMessage(1, 2), 1)] },
    grpcStatus: Status.UNIMPLEMENTED,
    grpcMessage: "Message is compressed, but this server supports no compression",
    headers: { "grpc-accept-encoding": "identity" },
  },
  {
    name: "an unsupported grpc-encoding",
    request: { path: ADD, headers: { "grpc-encoding": "gzip" }, body: [added] },
    grpcStatus: Status.UNIMPLEMENTED,
    grpcMessage: "Content is compressed with `gzip` which isn't supported",
    headers: { "grpc-accept-encoding": "identity" },
  },
  {
    name: "a compressed-flag other than 0 or 1",
    request: { path: ADD, body: [frame(addFloatsMessage(1, 2), 2)] },
    grpcStatus: Status.INTERNAL,
    grpcMessage: "received unexpected payload format 2",
  },
  {
    name: "a truncated prefix (as grpc-go: io.ErrUnexpectedEOF)",
    request: { path: ADD, body: [added.subarray(0, 3)] },
    grpcStatus: Status.UNKNOWN,
    grpcMessage: "unexpected EOF",
  },
  {
    name: "a truncated message (as grpc-go: io.ErrUnexpectedEOF)",
    request: { path: ADD, body: [added.subarray(0, 9)] },
    grpcStatus: Status.UNKNOWN,
    grpcMessage: "unexpected EOF",
  },
  {
    name: "no message at all (as grpc-go: io.EOF)",
    request: { path: ADD },
    grpcStatus: Status.UNKNOWN,
    grpcMessage: "EOF",
  },
  {
    name: "two messages on a unary call: the first is served (as grpc-go)",
    request: { path: ADD, body: [Buffer.concat([added, frame(addFloatsMessage(100, 1))])] },
    grpcStatus: Status.OK,
    result: f32(f32(3.5) + f32(-1.2)),
  },
  {
    name: "a message split across DATA frames, prefix included",
    request: { path: ADD, body: [added.subarray(0, 2), added.subarray(2, 7), added.subarray(7)] },
    grpcStatus: Status.OK,
    result: f32(f32(3.5) + f32(-1.2)),
  },
  {
    name: "content-type application/grpc+proto",
    request: { path: ADD, headers: { "content-type": "application/grpc+proto" }, body: [added] },
    grpcStatus: Status.OK,
    result: f32(f32(3.5) + f32(-1.2)),
  },
  {
    name: "a request over 1 MiB (ref §5.2)",
    request: { path: ADD, body: [Buffer.from([0, 0, 0x10, 0, 1])] },
    grpcStatus: Status.OUT_OF_RANGE,
    grpcMessage:
      "Error, decoded message length too large: found 1048577 bytes, the limit is: 1048576 bytes",
  },
  {
    name: "a response over 1 MiB (ref §5.2)",
    on: "tester",
    request: {
      path: "/vimana.test.Tester/Double",
      // Field 1, 600,000 bytes: the response holds 1,200,000.
      body: [
        frame(Buffer.concat([Buffer.from([0x0a, 0xc0, 0xcf, 0x24]), Buffer.alloc(600_000, 7)])),
      ],
    },
    grpcStatus: Status.OUT_OF_RANGE,
    grpcMessage:
      "Error, encoded message length too large: found 1200004 bytes, the limit is: 1048576 bytes",
  },
  {
    name: "the component traps (ref §5.2)",
    on: "tester",
    request: { path: "/vimana.test.Tester/Fail", body: [frame(new Uint8Array(0))] },
    grpcStatus: Status.INTERNAL,
    grpcMessage: "Function invocation error",
  },
  {
    name: "the component spends its CPU budget",
    on: "tester",
    request: { path: "/vimana.test.Tester/Spin", body: [frame(new Uint8Array(0))] },
    grpcStatus: Status.DEADLINE_EXCEEDED,
    grpcMessage: "CPU budget exhausted",
  },
  {
    name: "grpc-timeout already spent when the message is whole",
    request: { path: ADD, headers: { "grpc-timeout": "1n" }, body: [added] },
    grpcStatus: Status.DEADLINE_EXCEEDED,
    grpcMessage: "Deadline exceeded",
  },
  {
    name: "grpc-timeout spent waiting for the message",
    request: {
      path: ADD,
      headers: { "grpc-timeout": "20m" },
      body: [added.subarray(0, 7)],
      keepOpen: true,
    },
    grpcStatus: Status.DEADLINE_EXCEEDED,
    grpcMessage: "Deadline exceeded",
  },
  {
    name: "a malformed grpc-timeout (as grpc-go)",
    request: { path: ADD, headers: { "grpc-timeout": "soon" }, body: [added] },
    grpcStatus: Status.INTERNAL,
    grpcMessage: 'malformed grpc-timeout: "soon"',
  },
  {
    name: "a method other than POST",
    request: { path: ADD, headers: { ":method": "PUT" }, body: [added] },
    status: 405,
    headers: { allow: "POST" },
  },
];

describe("malformed gRPC requests", () => {
  test.each(rows.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    const session = row.on === "tester" ? testerSession : adderSession;
    const response = await rawRequest(session, row.request).response;
    expect(response.status).toBe(row.status ?? 200);
    expect(response.grpcStatus).toBe(row.grpcStatus);
    const message = typeof row.grpcMessage === "function" ? row.grpcMessage() : row.grpcMessage;
    expect(response.grpcMessage).toBe(message);
    for (const [name, value] of Object.entries(row.headers ?? {})) {
      expect(response.headers[name] ?? response.trailers[name]).toBe(value);
    }
    if (row.result !== undefined) {
      expect(decodeAddFloatsResponse(response.body.subarray(5))).toEqual({ result: row.result });
    }
  });

  test("the malformed-protobuf row checks a path message", () => {
    expect(malformedMessage).toStartWith("Malformed request (.1): ");
  });
});

/** xorshift32: the same random bodies every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** Random bodies: raw bytes, well-framed random messages, and frames with random prefixes. */
function randomBody(next: () => number): Buffer {
  const bytes = (n: number) =>
    Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
  const size = Math.floor(next() * 64);
  switch (Math.floor(next() * 3)) {
    case 0:
      return bytes(size);
    case 1:
      return frame(bytes(size));
    default: {
      const framed = frame(bytes(size), Math.floor(next() * 4));
      if (next() < 0.5) framed.writeUInt32BE(Math.floor(next() * 2 ** 32), 1);
      return framed;
    }
  }
}

/** Sends `count` random bodies, `parallel` at a time; returns how many got a gRPC status. */
async function flood(
  session: http2.ClientHttp2Session,
  count: number,
  seed: number,
): Promise<number> {
  const next = random(seed);
  const bodies = Array.from({ length: count }, () => randomBody(next));
  let answered = 0;
  let sent = 0;
  const worker = async () => {
    while (sent < bodies.length) {
      const body = bodies[sent++] as Buffer;
      const response = await rawRequest(session, { path: ADD, body: [body] }).response;
      if (response.status === 200 && response.grpcStatus !== undefined) answered++;
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  return answered;
}

test("10,000 random bodies: each is answered with a status, the server stays up, memory returns", async () => {
  const session = connect("127.0.0.1", adder.port);
  try {
    // Warm up first, so the baseline holds what serving needs at all (compiled code, buffers).
    expect(await flood(session, 1000, 1)).toBe(1000);
    Bun.gc(true);
    const baseline = process.memoryUsage().heapUsed;
    expect(await flood(session, 10_000, 2)).toBe(10_000);
    expect(adder.inFlight).toBe(0);
    Bun.gc(true);
    const after = process.memoryUsage().heapUsed;
    // Nothing of 10,000 requests is kept: what grows is noise, not per-request state.
    expect(after - baseline).toBeLessThan(8 * MiB);
    const ok = await rawRequest(session, { path: ADD, body: [added] }).response;
    expect(ok.grpcStatus).toBe(Status.OK);
  } finally {
    session.close();
  }
});
