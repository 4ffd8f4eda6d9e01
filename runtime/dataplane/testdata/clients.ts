// Clients for the data plane's tests: @grpc/grpc-js for AddFloats (messages by protobufjs from
// the example's .proto), and raw HTTP/2 requests whose headers and body bytes are anything.
import http2 from "node:http2";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";

const adderProto = protobuf.loadSync(
  join(import.meta.dir, "..", "..", "..", "examples", "adder", "adder.proto"),
);
const AddFloatsRequest = adderProto.lookupType("foo.bar.AddFloatsRequest");
const AddFloatsResponse = adderProto.lookupType("foo.bar.AddFloatsResponse");

/** AddFloats through @grpc/grpc-js; rejects with the grpc-js error (its `code` is the status). */
export function addFloats(
  address: string,
  request: { x: number; y: number },
  options: { deadlineMs?: number } = {},
): Promise<{ result: number }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const callOptions: grpc.CallOptions =
    options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
  return new Promise<{ result: number }>((resolve, reject) => {
    client.makeUnaryRequest(
      "/foo.bar.AdderService/AddFloats",
      (value: { x: number; y: number }) =>
        Buffer.from(AddFloatsRequest.encode(AddFloatsRequest.create(value)).finish()),
      (bytes: Buffer) =>
        AddFloatsResponse.toObject(AddFloatsResponse.decode(bytes)) as { result: number },
      request,
      new grpc.Metadata(),
      callOptions,
      (error, response) => (error ? reject(error) : resolve(response as { result: number })),
    );
  }).finally(() => client.close());
}

/** The gRPC framing of one message: compression flag, big-endian length, bytes. */
export function frame(message: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = flag;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** AddFloatsRequest bytes (protobufjs). */
export function addFloatsMessage(x: number, y: number): Uint8Array {
  return AddFloatsRequest.encode(AddFloatsRequest.create({ x, y })).finish();
}

export function decodeAddFloatsResponse(bytes: Uint8Array): { result: number } {
  return AddFloatsResponse.toObject(AddFloatsResponse.decode(bytes)) as { result: number };
}

export interface RawResponse {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** grpc-status and grpc-message, from the trailers or a Trailers-Only response's headers. */
  grpcStatus: number | undefined;
  grpcMessage: string | undefined;
}

export interface RawRequest {
  /** Extra or replacing headers; `:method` POST, `content-type: application/grpc` and `te` by default. */
  headers?: http2.OutgoingHttpHeaders;
  path: string;
  /** Body chunks, each written as it is (each becomes at least one DATA frame). */
  body?: Uint8Array[];
  /** Leave the stream open after the body (default: end it). */
  keepOpen?: boolean;
}

/** One request on an HTTP/2 session; resolves when the stream closes. */
export function rawRequest(
  session: http2.ClientHttp2Session,
  request: RawRequest,
): { stream: http2.ClientHttp2Stream; response: Promise<RawResponse> } {
  const stream = session.request(
    {
      ":method": "POST",
      ":path": request.path,
      "content-type": "application/grpc",
      te: "trailers",
      ...request.headers,
    },
    { endStream: (request.body ?? []).length === 0 && !request.keepOpen },
  );
  for (const chunk of request.body ?? []) stream.write(chunk);
  if ((request.body ?? []).length > 0 && !request.keepOpen) stream.end();
  const response = new Promise<RawResponse>((resolve, reject) => {
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    // Once the server has answered, a stream left open is ended, so that it closes.
    const answered = () => {
      if (!stream.writableEnded) stream.end();
    };
    stream.on("response", (h) => {
      headers = h;
      if (h["grpc-status"] !== undefined || h[":status"] !== 200) answered();
    });
    stream.on("trailers", (t) => {
      trailers = t;
      answered();
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("close", () => {
      const status = trailers["grpc-status"] ?? headers["grpc-status"];
      const message = trailers["grpc-message"] ?? headers["grpc-message"];
      resolve({
        status: Number(headers[":status"]),
        headers,
        trailers,
        body: Buffer.concat(chunks),
        grpcStatus: status === undefined ? undefined : Number(status),
        grpcMessage: message === undefined ? undefined : String(message),
      });
    });
  });
  return { stream, response };
}

/** A plain HTTP/2 (h2c) session to `host:port`. */
export function connect(host: string, port: number): http2.ClientHttp2Session {
  const session = http2.connect(`http://${host}:${port}`);
  session.on("error", () => {});
  return session;
}
