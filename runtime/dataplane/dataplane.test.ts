import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status as grpcStatus } from "@grpc/grpc-js";
import { ComponentHost } from "../host/index.ts";
import {
  type DataPlaneEvent,
  type PodServer,
  PodServerError,
  type PodServerOptions,
  Status,
  startPodServer,
} from "./index.ts";
import {
  addFloats,
  addFloatsMessage,
  connect,
  decodeAddFloatsResponse,
  frame,
  rawRequest,
} from "./testdata/clients.ts";
import { examplePod, type LoadedPod, testerPod } from "./testdata/pods.ts";

const f32 = Math.fround;
const ADD = "/foo.bar.AdderService/AddFloats";
const HEALTH = "/grpc.health.v1.Health/Check";
let cacheDir: string;
let host: ComponentHost;
const servers: PodServer[] = [];
const events: DataPlaneEvent[] = [];

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "vimana-dataplane-"));
  host = new ComponentHost({ cacheDir, log: () => {} });
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop(0)));
  events.length = 0;
});

afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

async function serve(
  loaded: LoadedPod,
  options: Partial<PodServerOptions> = {},
): Promise<PodServer> {
  const server = await startPodServer({
    address: "127.0.0.1",
    port: 0,
    log: (event) => events.push(event),
    ...loaded,
    ...options,
  });
  servers.push(server);
  return server;
}

/** The grpc-js error a call rejects with. */
async function callFailure(call: Promise<unknown>): Promise<{ code: number; details: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  return error as { code: number; details: string };
}

/** HealthCheckRequest { service } as bytes; HealthCheckResponse's status from bytes. */
const healthRequest = (service: string) =>
  frame(Buffer.concat([Buffer.from([0x0a, service.length]), Buffer.from(service)]));
const servingStatus = (body: Buffer) => (body.length > 5 ? (body[6] as number) : 0);

describe("the adder example", () => {
  test("answers AddFloats(3.5, -1.2) = float32 2.3 through @grpc/grpc-js", async () => {
    const server = await serve(await examplePod(host, "adder-wat"));
    const response = await addFloats(`127.0.0.1:${server.port}`, { x: 3.5, y: -1.2 });
    expect(response.result).toBe(f32(2.3));
    expect(response.result).toBe(f32(f32(3.5) + f32(-1.2)));
  });

  test("answers AddFloats(3.5, -1.2) = 2.3 through HTTP/JSON on the same port", async () => {
    const server = await serve(await examplePod(host, "adder-wat"));
    const response = await fetch(`http://127.0.0.1:${server.port}${ADD}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ x: 3.5, y: -1.2 }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("application/json");
    const json = (await response.json()) as { result: number };
    // The float32 sum, written with the fewest digits that read back as it.
    expect(json).toEqual({ result: 2.3 });
    expect(f32(json.result)).toBe(f32(f32(3.5) + f32(-1.2)));
  });

  test("answers HTTP/JSON over HTTP/2 too (what a proxy speaking h2c to the pod sends)", async () => {
    const server = await serve(await examplePod(host, "adder-wat"));
    const session = connect("127.0.0.1", server.port);
    try {
      const response = await rawRequest(session, {
        path: ADD,
        headers: { "content-type": "application/json" },
        body: [Buffer.from('{"x":1.5,"y":2}')],
      }).response;
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString())).toEqual({ result: 3.5 });
    } finally {
      session.close();
    }
  });

  test("serves a call with binary metadata, and logs that the component did not get it", async () => {
    const server = await serve(await examplePod(host, "adder-wat"));
    const session = connect("127.0.0.1", server.port);
    try {
      const response = await rawRequest(session, {
        path: ADD,
        headers: { "x-trace-bin": "AAEC", "x-user": "ada" },
        body: [frame(addFloatsMessage(1, 2))],
      }).response;
      expect(response.grpcStatus).toBe(Status.OK);
      expect(decodeAddFloatsResponse(response.body.subarray(5))).toEqual({ result: 3 });
    } finally {
      session.close();
    }
    expect(events).toContainEqual({
      kind: "warning",
      pod: "adder-wat-pod",
      message: `${ADD}: metadata not passed to the component (binary or not ASCII): x-trace-bin`,
    });
  });
});

describe("HTTP/JSON", () => {
  let server: PodServer;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${server.port}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  const errorOf = async (response: Response) => [response.status, await response.json()];

  test("errors are the gRPC code name and the HTTP status the standard mapping gives", async () => {
    server = await serve(await examplePod(host, "adder-wat"));
    expect(await errorOf(await post(ADD, "{"))).toEqual([
      400,
      { code: "INVALID_ARGUMENT", message: expect.stringMatching(/^Malformed request \(\): /) },
    ]);
    expect(await errorOf(await post(ADD, '{"x":"three"}'))).toEqual([
      400,
      {
        code: "INVALID_ARGUMENT",
        message: 'Malformed request (.x): expected a number, got string "three"',
      },
    ]);
    expect(await errorOf(await post("/foo.bar.AdderService/Nope", "{}"))).toEqual([
      501,
      { code: "UNIMPLEMENTED", message: "unknown method Nope for service foo.bar.AdderService" },
    ]);
    expect(await errorOf(await post(ADD, "x=1", { "content-type": "text/plain" }))).toEqual([
      400,
      { code: "INVALID_ARGUMENT", message: 'content-type "text/plain" is not application/json' },
    ]);
    const tooLarge = await post(ADD, `{"x":1,"pad":"${"a".repeat(1024 * 1024)}"}`);
    expect(await errorOf(tooLarge)).toEqual([
      400,
      {
        code: "OUT_OF_RANGE",
        message: expect.stringMatching(
          /^Error, decoded message length too large: found 1048[0-9]{3} bytes/,
        ),
      },
    ]);
    const get = await fetch(`http://127.0.0.1:${server.port}${ADD}`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
  });

  test("component failures: INTERNAL is 500, a spent CPU budget is 504", async () => {
    server = await serve(await testerPod(host, 100_000));
    expect(await errorOf(await post("/vimana.test.Tester/Fail", "{}"))).toEqual([
      500,
      { code: "INTERNAL", message: "Function invocation error" },
    ]);
    expect(await errorOf(await post("/vimana.test.Tester/Spin", "{}"))).toEqual([
      504,
      { code: "DEADLINE_EXCEEDED", message: "CPU budget exhausted" },
    ]);
    const doubled = await post("/vimana.test.Tester/Double", JSON.stringify({ data: "AAEC" }));
    expect(await doubled.json()).toEqual({ data: "AAECAAEC" });
  });
});

describe("health", () => {
  test("grpc.health.v1.Health/Check answers SERVING; an unknown service is NOT_FOUND", async () => {
    const server = await serve(await examplePod(host, "adder-wat"));
    const session = connect("127.0.0.1", server.port);
    try {
      for (const service of ["", "foo.bar.AdderService"]) {
        const response = await rawRequest(session, { path: HEALTH, body: [healthRequest(service)] })
          .response;
        expect(response.grpcStatus).toBe(Status.OK);
        expect(servingStatus(response.body)).toBe(1); // SERVING
      }
      const unknown = await rawRequest(session, { path: HEALTH, body: [healthRequest("x.Y")] })
        .response;
      expect([unknown.grpcStatus, unknown.grpcMessage]).toEqual([
        Status.NOT_FOUND,
        "unknown service x.Y",
      ]);
    } finally {
      session.close();
    }
    const healthz = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect([healthz.status, await healthz.text()]).toEqual([200, "ok\n"]);
    const json = await fetch(`http://127.0.0.1:${server.port}${HEALTH}`, {
      method: "POST",
      body: "{}",
    });
    expect(await json.json()).toEqual({ status: "SERVING" });
  });
});

describe("lifecycle", () => {
  test("graceful stop: calls in flight complete (health says NOT_SERVING); then UNAVAILABLE", async () => {
    const server = await serve(await examplePod(host, "adder-wat"));
    const address = `127.0.0.1:${server.port}`;
    const session = connect("127.0.0.1", server.port);
    const add = frame(addFloatsMessage(3.5, -1.2));
    const health = healthRequest("");
    // Two calls in flight: headers and part of the body sent, the rest held back.
    const call = rawRequest(session, { path: ADD, body: [add.subarray(0, 4)], keepOpen: true });
    const check = rawRequest(session, {
      path: HEALTH,
      body: [health.subarray(0, 2)],
      keepOpen: true,
    });
    while (server.inFlight < 2) await Bun.sleep(1);

    const stopped = server.stop(10_000);
    call.stream.end(add.subarray(4));
    check.stream.end(health.subarray(2));
    const [added, checked] = await Promise.all([call.response, check.response]);
    expect(added.grpcStatus).toBe(Status.OK);
    expect(decodeAddFloatsResponse(added.body.subarray(5))).toEqual({ result: f32(2.3) });
    expect(checked.grpcStatus).toBe(Status.OK);
    expect(servingStatus(checked.body)).toBe(2); // NOT_SERVING
    session.close();
    await stopped;

    const after = await callFailure(addFloats(address, { x: 1, y: 2 }));
    expect(after.code).toBe(grpcStatus.UNAVAILABLE);
  });

  test("a stop that outlasts its grace closes the connections of calls still in flight", async () => {
    const server = await serve(await examplePod(host, "adder-wat"));
    const session = connect("127.0.0.1", server.port);
    const call = rawRequest(session, { path: ADD, body: [Buffer.from([0, 0])], keepOpen: true });
    while (server.inFlight < 1) await Bun.sleep(1);
    await server.stop(50);
    const response = await call.response.catch((error: Error) => error);
    // The stream was cut off: no status arrived.
    expect(response instanceof Error || response.grpcStatus === undefined).toBe(true);
    expect(server.inFlight).toBe(0);
    session.close();
  });

  test("two pods on two loopback addresses, same port, serve independently", async () => {
    const adder = await examplePod(host, "adder-wat", "adder-pod");
    const multiplier = await examplePod(host, "multiplier-wat", "multiplier-pod");
    let first: PodServer | undefined;
    let second: PodServer | undefined;
    // The port is free on 127.0.0.2; another process may hold it on 127.0.0.3: try again.
    for (let attempt = 0; attempt < 5 && !second; attempt++) {
      first = await serve(adder, { address: "127.0.0.2" });
      try {
        second = await serve(multiplier, { address: "127.0.0.3", port: first.port });
      } catch (error) {
        if (!(error instanceof PodServerError && error.code === "EADDRINUSE")) throw error;
        await first.stop(0);
      }
    }
    if (!first || !second) throw new Error("no port free on both 127.0.0.2 and 127.0.0.3");
    expect(second.port).toBe(first.port);
    expect(await addFloats(`127.0.0.2:${first.port}`, { x: 3, y: 4 })).toEqual({ result: 7 });
    expect(await addFloats(`127.0.0.3:${first.port}`, { x: 3, y: 4 })).toEqual({ result: 12 });

    await first.stop(1000);
    const stopped = await callFailure(addFloats(`127.0.0.2:${first.port}`, { x: 3, y: 4 }));
    expect(stopped.code).toBe(grpcStatus.UNAVAILABLE);
    expect(await addFloats(`127.0.0.3:${first.port}`, { x: 3, y: 4 })).toEqual({ result: 12 });
  });

  test("an address that cannot be bound is a PodServerError the CRI layer can report", async () => {
    const loaded = await examplePod(host, "adder-wat");
    const taken = await serve(loaded);
    const error = await startPodServer({
      address: "127.0.0.1",
      port: taken.port,
      log: () => {},
      ...loaded,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PodServerError);
    expect(error).toMatchObject({ kind: "bind", pod: "adder-wat-pod", code: "EADDRINUSE" });
    expect((error as Error).message).toStartWith(
      `pod adder-wat-pod: cannot listen on 127.0.0.1:${taken.port}: `,
    );
  });

  test("a method whose function the component lacks fails at start, not at the first call", async () => {
    const loaded = await examplePod(host, "adder-wat");
    const [service] = loaded.metadata.services;
    const method = service?.methods.get("AddFloats");
    if (!service || !method) throw new Error("the adder has no AddFloats");
    const metadata = {
      services: [
        { ...service, methods: new Map([["AddFloats", { ...method, function: "nope" }]]) },
      ],
    };
    const error = await startPodServer({
      address: "127.0.0.1",
      port: 0,
      log: () => {},
      ...loaded,
      metadata,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PodServerError);
    expect(error).toMatchObject({ kind: "metadata" });
    expect((error as Error).message).toBe(
      'pod adder-wat-pod: foo.bar.AdderService/AddFloats: Function not found: "nope"',
    );
  });
});

test("counters and the request log: requests, errors by status, a latency histogram", async () => {
  const server = await serve(await examplePod(host, "adder-wat"));
  const address = `127.0.0.1:${server.port}`;
  await addFloats(address, { x: 1, y: 2 });
  await addFloats(address, { x: 3, y: 4 });
  await fetch(`http://${address}/foo.bar.AdderService/Nope`, { method: "POST", body: "{}" });
  const counters = server.counters();
  expect(counters.requests).toBe(3);
  expect(counters.errors).toEqual({ UNIMPLEMENTED: 1 });
  expect(counters.latency.counts.reduce((a, b) => a + b, 0)).toBe(3);
  expect(counters.latency.counts).toHaveLength(counters.latency.bounds.length + 1);
  expect(counters.latency.sumSeconds).toBeGreaterThan(0);
  const requests = events.filter((e) => e.kind === "request");
  expect(requests.map(({ protocol, path, status }) => [protocol, path, status])).toEqual([
    ["grpc", ADD, "OK"],
    ["grpc", ADD, "OK"],
    ["http", "/foo.bar.AdderService/Nope", "UNIMPLEMENTED"],
  ]);
});

test("the request log can be turned off", async () => {
  const server = await serve(await examplePod(host, "adder-wat"), { requestLog: false });
  await addFloats(`127.0.0.1:${server.port}`, { x: 1, y: 2 });
  expect(server.counters().requests).toBe(1);
  expect(events.filter((e) => e.kind === "request")).toEqual([]);
});

test("a component failure is logged with its details; the client sees only the summary", async () => {
  const server = await serve(await testerPod(host, 100_000));
  const session = connect("127.0.0.1", server.port);
  try {
    const response = await rawRequest(session, {
      path: "/vimana.test.Tester/Fail",
      body: [frame(new Uint8Array(0))],
    }).response;
    expect(response.grpcMessage).toBe("Function invocation error");
  } finally {
    session.close();
  }
  const [error] = events.filter((e) => e.kind === "error");
  expect(error?.message).toStartWith(
    "/vimana.test.Tester/Fail: pod tester-pod, component tester, fail: Function invocation error: ",
  );
});
