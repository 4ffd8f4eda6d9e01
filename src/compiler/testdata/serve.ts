// Serves compiled Metadata from a component in-process, as vimanad's data plane does minus
// HTTP/2: route `/<Service>/<Method>`, decode the request with the method's codec, call the export
// with (context, request) in a pod, encode the result. A round trip sends bytes through a
// `UnaryTransport`; once the data plane serves pods, a gRPC client on a pod's address is one.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ComponentHost, callContext, type LogLine } from "../../../runtime/host/index.ts";
import { type ComponentRecord, compileMethodCodec, type MethodCodec } from "../../codec/index.ts";
import type { Metadata } from "../../metadata/index.ts";

/** One unary call: the request's bytes to `/<service>/<method>`, the response's bytes back. */
export type UnaryTransport = (
  path: string,
  request: Uint8Array,
  headers?: [string, string][],
) => Promise<Uint8Array>;

export interface InProcessServer {
  call: UnaryTransport;
  /** What the component wrote to stdout and stderr. */
  logs: LogLine[];
  close(): Promise<void>;
}

export async function serveInProcess(
  component: Uint8Array,
  metadata: Metadata,
): Promise<InProcessServer> {
  const cacheDir = await mkdtemp(join(tmpdir(), "vimana-roundtrip-"));
  const logs: LogLine[] = [];
  const host = new ComponentHost({ cacheDir, log: (line) => logs.push(line) });
  const pod = (await host.load(component, { name: "roundtrip" })).createPod({ name: "roundtrip" });
  const routes = new Map<string, { function: string; codec: MethodCodec }>();
  for (const service of metadata.services) {
    for (const [name, method] of service.methods) {
      routes.set(`/${service.name}/${name}`, {
        function: method.function,
        codec: compileMethodCodec(method),
      });
    }
  }
  return {
    logs,
    async call(path, request, headers = []) {
      const route = routes.get(path);
      if (!route) throw new Error(`no method at ${path}`);
      const value = route.codec.decodeRequest(request);
      // Every export returns its response record.
      const result = pod.call(route.function, callContext(headers).context, value);
      return route.codec.encodeResponse(result as ComponentRecord);
    },
    async close() {
      pod.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
