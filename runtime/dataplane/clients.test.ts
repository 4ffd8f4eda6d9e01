// Real clients against one adder and one tester pod server: grpc-go (testdata/grpc-go-client),
// @grpc/grpc-js, curl, nghttp and h2load. Many calls multiplexed on one connection, a message of
// about 1 MiB each way (the tester's Double) across flow-control windows, a client with the
// smallest window grpc-go allows, deadlines, metadata, unknown methods; the frames nghttp sees.
// Issue #17: the acceptance of vimanad's own HTTP/2 layer; each client must keep passing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { ensureGrpcGoClient } from "../../scripts/go-tools.ts";
import { ComponentHost } from "../host/index.ts";
import { DEFAULT_LIMITS, type PodServer, Status, startPodServer } from "./index.ts";
import { addFloatsMessage, decodeAddFloatsResponse, frame } from "./testdata/clients.ts";
import { examplePod, testerPod } from "./testdata/pods.ts";

const ADD = "/foo.bar.AdderService/AddFloats";
const f32 = Math.fround;
/**
 * Tester data whose Double is just under the 1 MiB message limit: Blob{data} is the data and 4
 * bytes of tag and length, so the answer is 1,048,004 bytes, 16 windows of 65,535.
 */
const NEAR_MIB = 524_000;
/** Spin's budget: about 0.4 s of spinning here, several times any deadline below. */
const SPIN_FUEL = 500_000_000;
const DEADLINE_MS = 50;

let scratch: string;
let adder: PodServer;
let tester: PodServer;
let goClient: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-dataplane-clients-"));
  // bun run test builds it first; alone, this file builds it (a minute, once).
  goClient = await ensureGrpcGoClient((line) => console.log(line));
  const host = new ComponentHost({ cacheDir: scratch, log: () => {} });
  const log = () => {};
  adder = await startPodServer({
    address: "127.0.0.1",
    port: 0,
    log,
    requestLog: false,
    ...(await examplePod(host, "adder-wat")),
  });
  tester = await startPodServer({
    address: "127.0.0.1",
    port: 0,
    log,
    requestLog: false,
    ...(await testerPod(host, SPIN_FUEL)),
  });
  await Bun.write(join(scratch, "add.bin"), frame(addFloatsMessage(3.5, -1.2)));
}, 300_000);

afterAll(async () => {
  await Promise.all([adder?.stop(0), tester?.stop(0)]);
  await rm(scratch, { recursive: true, force: true });
});

/** A command-line client's path; missing, the test fails with what to install. */
function tool(name: string, install: string): string {
  const path = Bun.which(name);
  if (path === null) throw new Error(`${name} is not installed; install it with: ${install}`);
  return path;
}

/** Runs a client to its end (killed after `timeoutMs`); its output and exit code. */
async function run(
  argv: string[],
  timeoutMs = 30_000,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const child = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

/** A grpc-go-client scenario against `server`: the JSON object it prints. */
async function grpcGo(
  server: PodServer,
  scenario: string,
  ...flags: string[]
): Promise<Record<string, unknown>> {
  const argv = [goClient, "-addr", `127.0.0.1:${server.port}`, "-scenario", scenario, ...flags];
  const { stdout, stderr, code } = await run(argv);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}:\n${stderr}`);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Blob{data} bytes (tester.wit's record), and its data back. */
function blob(data: Uint8Array): Buffer {
  const length: number[] = [];
  for (let n = data.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...length]), data]);
}

function blobData(message: Buffer): Buffer {
  let offset = 1;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = message[offset++] as number;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  return message.subarray(offset, offset + length);
}

function patterned(size: number): Buffer {
  return Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
}

describe("grpc-go", () => {
  test("2,000 AddFloats, 100 in flight on one connection: every answer right", async () => {
    expect(await grpcGo(adder, "unary", "-calls", "2000", "-inflight", "100")).toMatchObject({
      calls: 2000,
      ok: 2000,
      wrong: 0,
      failures: {},
      connections: 1,
    });
  });

  test("1,000 AddFloats, 300 in flight: past MAX_CONCURRENT_STREAMS, grpc-go waits, none fail", async () => {
    expect(await grpcGo(adder, "unary", "-calls", "1000", "-inflight", "300")).toMatchObject({
      calls: 1000,
      ok: 1000,
      wrong: 0,
      failures: {},
      connections: 1,
    });
  });

  test("Double of 524,000 bytes: 1,048,004 bytes back, whole and right", async () => {
    expect(await grpcGo(tester, "double", "-size", String(NEAR_MIB))).toMatchObject({
      requestBytes: NEAR_MIB + 4,
      responseBytes: 2 * NEAR_MIB + 4,
      right: true,
    });
  });

  test("with windows of 64 KiB (grpc-go's smallest) the 1 MiB answer still arrives whole", async () => {
    expect(
      await grpcGo(tester, "double", "-size", String(NEAR_MIB), "-window", "65536"),
    ).toMatchObject({ responseBytes: 2 * NEAR_MIB + 4, right: true });
  });

  test("a deadline shorter than the call: DEADLINE_EXCEEDED, and the connection serves on", async () => {
    const result = await grpcGo(tester, "deadline", "-timeout", `${DEADLINE_MS}ms`);
    expect(result).toMatchObject({
      expired: { code: Status.DEADLINE_EXCEEDED },
      nextCall: "abab",
      nextError: null,
      // A deadline met: the server read grpc-go's grpc-timeout (a malformed one is INTERNAL).
      withinDeadline: "cdcd",
      withinDeadlineError: null,
      connections: 1,
    });
    // The deadline ended it (grpc-go's words, or the server's), not Spin's CPU budget.
    expect(["context deadline exceeded", "Deadline exceeded"]).toContain(
      (result.expired as { message: string }).message,
    );
  });

  test("custom and -bin metadata on a call: answered", async () => {
    expect(await grpcGo(adder, "metadata")).toEqual({
      result: 2.5,
      error: null,
      contentType: ["application/grpc"],
      connections: 1,
    });
  });

  test("an unknown method: UNIMPLEMENTED", async () => {
    expect(await grpcGo(adder, "unknown")).toEqual({
      error: {
        code: Status.UNIMPLEMENTED,
        message: "unknown method Nope for service foo.bar.AdderService",
      },
      connections: 1,
    });
  });
});

describe("@grpc/grpc-js", () => {
  const identity = (bytes: Buffer) => bytes;

  /** One unary call with raw message bytes; resolves the response or the grpc-js error. */
  function call(
    client: grpc.Client,
    path: string,
    message: Uint8Array,
    options: { metadata?: grpc.Metadata; deadlineMs?: number } = {},
  ): Promise<{ response?: Buffer; error?: grpc.ServiceError }> {
    const callOptions =
      options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        path,
        identity,
        identity,
        Buffer.from(message),
        options.metadata ?? new grpc.Metadata(),
        callOptions,
        (error, response) => resolve(error ? { error } : { response }),
      );
    });
  }

  function clientOf(server: PodServer): grpc.Client {
    return new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  }

  test("500 AddFloats, 50 in flight on one channel: every answer right", async () => {
    const client = clientOf(adder);
    try {
      const wrong: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          for (let i = next++; i < 500; i = next++) {
            const [x, y] = [i * 0.25, -1.5];
            const { response, error } = await call(client, ADD, addFloatsMessage(x, y));
            // 0 is the empty message (proto3 leaves defaults out).
            const result = response && (decodeAddFloatsResponse(response).result ?? 0);
            if (result !== f32(f32(x) + f32(y))) wrong.push(`${x} + ${y}: ${result ?? error}`);
          }
        }),
      );
      expect(wrong).toEqual([]);
    } finally {
      client.close();
    }
  });

  test("Double of 524,000 bytes: the 1 MiB answer whole and right", async () => {
    const client = clientOf(tester);
    try {
      const data = patterned(NEAR_MIB);
      const { response, error } = await call(client, "/vimana.test.Tester/Double", blob(data));
      expect(error).toBeUndefined();
      expect(response?.length).toBe(2 * NEAR_MIB + 4);
      expect(blobData(response as Buffer).equals(Buffer.concat([data, data]))).toBe(true);
    } finally {
      client.close();
    }
  });

  test("a deadline shorter than the call: DEADLINE_EXCEEDED, and the channel serves on", async () => {
    const client = clientOf(tester);
    try {
      const spin = await call(client, "/vimana.test.Tester/Spin", blob(new Uint8Array(0)), {
        deadlineMs: DEADLINE_MS,
      });
      // The server runs Spin in this process: grpc-js's timer may only fire once it returns,
      // so the status is the deadline's or the budget's — both DEADLINE_EXCEEDED.
      expect(spin.error?.code).toBe(Status.DEADLINE_EXCEEDED);
      const next = await call(client, "/vimana.test.Tester/Double", blob(Buffer.from("ab")), {
        deadlineMs: 10_000,
      });
      expect(next.error).toBeUndefined();
      expect(blobData(next.response as Buffer).toString()).toBe("abab");
    } finally {
      client.close();
    }
  });

  test("custom and -bin metadata, and an unknown method: answered, UNIMPLEMENTED", async () => {
    const client = clientOf(adder);
    try {
      const metadata = new grpc.Metadata();
      metadata.set("x-vimana-test", "plain value");
      metadata.set("x-vimana-trace-bin", Buffer.from([0, 1, 0xfe, 0xff]));
      const { response, error } = await call(client, ADD, addFloatsMessage(2, 0.5), { metadata });
      expect(error).toBeUndefined();
      expect(decodeAddFloatsResponse(response as Buffer).result).toBe(2.5);
      const unknown = await call(client, "/foo.bar.AdderService/Nope", addFloatsMessage(1, 2));
      expect(unknown.error?.code).toBe(Status.UNIMPLEMENTED);
      expect(unknown.error?.details).toBe("unknown method Nope for service foo.bar.AdderService");
    } finally {
      client.close();
    }
  });
});

describe("curl --http2-prior-knowledge", () => {
  test("HTTP/JSON POST: 200 and the result as JSON", async () => {
    const curl = tool("curl", "apt-get install -y curl");
    const { stdout, stderr, code } = await run([
      curl,
      "-sS",
      "--http2-prior-knowledge",
      "-D",
      "-",
      "-H",
      "content-type: application/json",
      "-d",
      '{"x":3.5,"y":-1.2}',
      `http://127.0.0.1:${adder.port}${ADD}`,
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toStartWith("HTTP/2 200");
    expect(stdout).toMatch(/^content-type: application\/json/im);
    expect(stdout.trimEnd()).toEndWith('{"result":2.3}');
  });

  test("gRPC with a binary body: 200, the framed answer, grpc-status 0 in the trailers", async () => {
    const curl = tool("curl", "apt-get install -y curl");
    const body = join(scratch, "curl-answer.bin");
    const { stdout, stderr, code } = await run([
      curl,
      "-sS",
      "--http2-prior-knowledge",
      "-D",
      "-",
      "-o",
      body,
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      "--data-binary",
      `@${join(scratch, "add.bin")}`,
      `http://127.0.0.1:${adder.port}${ADD}`,
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    // curl writes the head, a blank line, then the trailers.
    const [head = "", trailers = ""] = stdout.split(/\r?\n\r?\n/);
    expect(head).toStartWith("HTTP/2 200");
    expect(head).toMatch(/^content-type: application\/grpc/im);
    expect(head).not.toMatch(/^grpc-status:/im);
    expect(trailers).toMatch(/^grpc-status: 0\r?$/m);
    const answer = Buffer.from(await Bun.file(body).bytes());
    expect(answer.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, answer.length - 5]));
    expect(decodeAddFloatsResponse(answer.subarray(5)).result).toBe(f32(2.3));
  });

  test("gRPC Double of 524,000 bytes: the 1 MiB answer whole, grpc-status 0", async () => {
    const curl = tool("curl", "apt-get install -y curl");
    const data = patterned(NEAR_MIB);
    const request = join(scratch, "double.bin");
    await Bun.write(request, frame(blob(data)));
    const body = join(scratch, "curl-double.bin");
    const { stdout, stderr, code } = await run([
      curl,
      "-sS",
      "--http2-prior-knowledge",
      "-D",
      "-",
      "-o",
      body,
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      "--data-binary",
      `@${request}`,
      `http://127.0.0.1:${tester.port}/vimana.test.Tester/Double`,
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.split(/\r?\n\r?\n/)[1]).toMatch(/^grpc-status: 0\r?$/m);
    const answer = Buffer.from(await Bun.file(body).bytes());
    expect(answer.length).toBe(5 + 2 * NEAR_MIB + 4);
    expect(blobData(answer.subarray(5)).equals(Buffer.concat([data, data]))).toBe(true);
  });
});

describe("nghttp", () => {
  test("one gRPC call: the server's SETTINGS carry MAX_CONCURRENT_STREAMS; the answer ends with trailers", async () => {
    const nghttp = tool("nghttp", "apt-get install -y nghttp2-client");
    const { stdout, stderr, code } = await run([
      nghttp,
      "-v",
      // The answer's bytes would land between the frame lines.
      "--null-out",
      "-H",
      ":method: POST",
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      "-d",
      join(scratch, "add.bin"),
      `http://127.0.0.1:${adder.port}${ADD}`,
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    // `-v` prints each frame as a line `[  t] recv NAME frame <…>` and its details below it.
    const frames = stdout.split(/\n(?=\[ *\d+\.\d+\] )/);
    const received = frames.filter((f) => / recv [A-Z_]+ frame /.test(f));
    const settings = received.find((f) => / recv SETTINGS frame /.test(f) && !/; ACK/.test(f));
    expect(settings).toContain(
      `[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):${DEFAULT_LIMITS.maxConcurrentStreams}]`,
    );
    const stream = received.filter((f) => /stream_id=13>/.test(f));
    expect(stream.map((f) => / recv ([A-Z_]+) frame /.exec(f)?.[1])).toEqual([
      "HEADERS",
      "DATA",
      "HEADERS",
    ]);
    const trailers = stream.at(-1) as string;
    expect(trailers).toContain("END_STREAM");
    expect(stdout).toMatch(/recv \(stream_id=13\) :status: 200/);
    expect(stdout).toMatch(/recv \(stream_id=13\) grpc-status: 0/);
  });
});

describe("h2load", () => {
  test("-c 4 -m 50 -n 20000 gRPC calls: none failed or errored", async () => {
    const h2load = tool("h2load", "apt-get install -y nghttp2-client");
    const { stdout, stderr, code } = await run(
      [
        h2load,
        "-c",
        "4",
        "-m",
        "50",
        "-n",
        "20000",
        "-H",
        "content-type: application/grpc",
        "-H",
        "te: trailers",
        "-d",
        join(scratch, "add.bin"),
        `http://127.0.0.1:${adder.port}${ADD}`,
      ],
      60_000,
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(
      /requests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored, 0 timeout/,
    );
    expect(stdout).toMatch(/status codes: 20000 2xx, 0 3xx, 0 4xx, 0 5xx/);
  }, 90_000);
});
