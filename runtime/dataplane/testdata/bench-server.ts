// One server under test for dataplane.bench.ts, in its own process: `bun bench-server.ts MODE`
// prints `ready <port>` once it listens on 127.0.0.1.
//   ours         the data plane serving the WAT adder (gRPC and HTTP/JSON on one port)
//   json-port    the same HTTP/JSON app on a port of its own, served by Bun.serve
//   grpc-js      @grpc/grpc-js serving AddFloats with a plain JS handler (protobufjs messages)
//   ceiling      a raw node:http2 handler that decodes nothing and answers a fixed response
import { mkdtemp } from "node:fs/promises";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { ComponentHost } from "../../host/index.ts";
import { createHttpApp } from "../http.ts";
import { startPodServer } from "../index.ts";
import { createServing } from "../server.ts";
import { examplePod } from "./pods.ts";

const mode = process.argv[2];
const ready = (port: number) => console.log(`ready ${port}`);

async function adderOptions() {
  const host = new ComponentHost({
    cacheDir: await mkdtemp(join(tmpdir(), "vimana-dataplane-bench-")),
    log: () => {},
  });
  // Request lines go to a sink that drops them: what logging costs the server is measured,
  // not what a log backend does with them.
  return { address: "127.0.0.1", port: 0, log: () => {}, ...(await examplePod(host, "adder-wat")) };
}

switch (mode) {
  case "ours": {
    const server = await startPodServer(await adderOptions());
    ready(server.port);
    break;
  }
  case "json-port": {
    const app = createHttpApp(createServing(await adderOptions()));
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
    ready(server.port as number);
    break;
  }
  case "grpc-js": {
    const proto = protobuf.loadSync(join(import.meta.dir, "../../../examples/adder/adder.proto"));
    const request = proto.lookupType("foo.bar.AddFloatsRequest");
    const response = proto.lookupType("foo.bar.AddFloatsResponse");
    const server = new grpc.Server();
    server.addService(
      {
        AddFloats: {
          path: "/foo.bar.AdderService/AddFloats",
          requestStream: false,
          responseStream: false,
          requestSerialize: (value: object) => Buffer.from(request.encode(value).finish()),
          requestDeserialize: (bytes: Buffer) =>
            request.toObject(request.decode(bytes), { defaults: true }),
          responseSerialize: (value: object) => Buffer.from(response.encode(value).finish()),
          responseDeserialize: (bytes: Buffer) =>
            response.toObject(response.decode(bytes), { defaults: true }),
        },
      },
      {
        AddFloats: (
          call: grpc.ServerUnaryCall<{ x: number; y: number }, { result: number }>,
          callback: grpc.sendUnaryData<{ result: number }>,
        ) => callback(null, { result: Math.fround(call.request.x + call.request.y) }),
      },
    );
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error) throw error;
      ready(port);
    });
    break;
  }
  case "ceiling": {
    // result = 2.3 as float32, framed; the status in trailers, as a gRPC server sends it.
    const reply = Buffer.from([0, 0, 0, 0, 5, 0x0d, 0x33, 0x33, 0x13, 0x40]);
    const headers = { ":status": 200, "content-type": "application/grpc" };
    const trailers = { "grpc-status": "0" };
    const server = http2.createServer();
    server.on("stream", (stream: http2.ServerHttp2Stream) => {
      stream.on("error", () => {});
      stream.on("data", () => {});
      stream.on("end", () => {
        if (stream.destroyed) return;
        stream.respond(headers, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers(trailers));
        stream.end(reply);
      });
    });
    server.listen(0, "127.0.0.1", () => ready((server.address() as AddressInfo).port));
    break;
  }
  default:
    console.error(`bench-server: unknown mode ${mode}`);
    process.exit(2);
}
