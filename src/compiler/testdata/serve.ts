// Serves compiled Metadata from a component the way vimanad does: a pod in the component host
// behind the data plane on a loopback port, called with @grpc/grpc-js. Round-trip tests send
// protobuf bytes a reference library encoded and parse what comes back with it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { startPodServer } from "../../../runtime/dataplane/index.ts";
import { ComponentHost, type LogLine } from "../../../runtime/host/index.ts";
import type { Metadata } from "../../metadata/index.ts";

/** One unary gRPC call: the request's bytes to `/<service>/<method>`, the response's bytes back. */
export type UnaryTransport = (
  path: string,
  request: Uint8Array,
  headers?: [string, string][],
) => Promise<Uint8Array>;

export interface RoundTripServer {
  call: UnaryTransport;
  /** What the component wrote to stdout and stderr. */
  logs: LogLine[];
  close(): Promise<void>;
}

export async function serveOverGrpc(
  component: Uint8Array,
  metadata: Metadata,
): Promise<RoundTripServer> {
  const cacheDir = await mkdtemp(join(tmpdir(), "vimana-roundtrip-"));
  const logs: LogLine[] = [];
  const host = new ComponentHost({ cacheDir, log: (line) => logs.push(line) });
  const loaded = await host.load(component, { name: "roundtrip" });
  const pod = loaded.createPod({ name: "roundtrip" });
  const server = await startPodServer({
    address: "127.0.0.1",
    port: 0,
    metadata,
    pod,
    exports: loaded.exports,
    log: () => {},
    requestLog: false,
  });
  const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  return {
    logs,
    call: (path, request, headers = []) =>
      new Promise((resolve, reject) => {
        const metadataOut = new grpc.Metadata();
        for (const [key, value] of headers) metadataOut.add(key, value);
        client.makeUnaryRequest(
          path,
          (bytes: Uint8Array) => Buffer.from(bytes),
          (bytes: Buffer) => new Uint8Array(bytes),
          request,
          metadataOut,
          (error, response) => (error || !response ? reject(error) : resolve(response)),
        );
      }),
    async close() {
      client.close();
      await server.stop();
      pod.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
