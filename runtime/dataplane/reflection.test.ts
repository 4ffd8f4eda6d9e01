// gRPC server reflection on a pod's server, checked with grpcurl (built from its Go module by
// `bun run test`), which knows nothing of the service but what reflection tells it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureGrpcurl } from "../../scripts/go-tools.ts";
import { ComponentHost } from "../host/index.ts";
import type { ReflectionPolicy } from "./reflection.ts";
import { type PodServer, startPodServer } from "./server.ts";
import { connect, frame, rawRequest } from "./testdata/clients.ts";
import { examplePod, type LoadedPod } from "./testdata/pods.ts";

let dir: string;
let host: ComponentHost;
let adder: LoadedPod;
let grpcurl: string;
const servers: PodServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vimana-reflection-"));
  host = new ComponentHost({ cacheDir: join(dir, "cache"), log: () => {} });
  [adder, grpcurl] = await Promise.all([examplePod(host, "adder-wat"), ensureGrpcurl()]);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop(0)));
  adder?.pod.close();
  await rm(dir, { recursive: true, force: true });
});

async function serve(reflection?: ReflectionPolicy): Promise<string> {
  const server = await startPodServer({
    address: "127.0.0.1",
    port: 0,
    ...adder,
    log: () => {},
    requestLog: false,
    ...(reflection && { reflection }),
  });
  servers.push(server);
  return `127.0.0.1:${server.port}`;
}

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = Bun.spawn([grpcurl, "-plaintext", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, out, err };
}

describe("server reflection", () => {
  test("grpcurl lists, describes and calls with no .proto (v1)", async () => {
    const address = await serve();
    expect(await run(address, "list")).toEqual({
      code: 0,
      out: "foo.bar.AdderService\n",
      err: "",
    });
    const service = await run(address, "describe", "foo.bar.AdderService");
    expect(service.err).toBe("");
    expect(service.out).toContain(
      "rpc AddFloats ( .foo.bar.AddFloatsRequest ) returns ( .foo.bar.AddFloatsResponse );",
    );
    const message = await run(address, "describe", "foo.bar.AddFloatsRequest");
    expect(message.out).toContain("float x = 1;");
    expect(message.out).toContain("float y = 2;");
    const call = await run("-d", '{"x":3.5,"y":-1.25}', address, "foo.bar.AdderService/AddFloats");
    expect(call.err).toBe("");
    expect(JSON.parse(call.out)).toEqual({ result: 2.25 });
  });

  test("v1alpha answers as v1 does; two requests on one stream get two answers", async () => {
    const [host, port] = (await serve()).split(":") as [string, string];
    const session = connect(host, Number(port));
    try {
      // ServerReflectionRequest { list_services = 7: "" } then { file_containing_symbol = 4 }.
      const list = frame(new Uint8Array([0x3a, 0]));
      const symbol = new TextEncoder().encode("foo.bar.AdderService.AddFloats");
      const describe = frame(new Uint8Array([0x22, symbol.length, ...symbol]));
      const { response } = rawRequest(session, {
        path: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        body: [list, describe],
      });
      const answer = await response;
      expect(answer.grpcStatus).toBe(0);
      const text = answer.body.toString("latin1");
      expect(text).toContain("foo.bar.AdderService");
      expect(text).toContain("foo.bar.vimana.proto");
      expect(text).toContain("AddFloatsRequest");
    } finally {
      session.close();
    }
  });

  test("noneBut and allBut decide what is described; none turns reflection off", async () => {
    const allowed = await serve({ noneBut: ["foo.bar.AdderService"] });
    expect((await run(allowed, "list")).out).toBe("foo.bar.AdderService\n");
    const hidden = await serve({ allBut: ["foo.bar.AdderService"] });
    const refused = await run(hidden, "list");
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain("server does not support the reflection API");
    // The service itself still answers: reflection only decides what is described.
    const call = await run(
      "-import-path",
      join(import.meta.dir, "../../examples/adder"),
      "-proto",
      "adder.proto",
      "-d",
      '{"x":1,"y":2}',
      hidden,
      "foo.bar.AdderService/AddFloats",
    );
    expect(JSON.parse(call.out)).toEqual({ result: 3 });
  });
});
