// The compiled vimanad with two workers (runtime/workers): a spinning call holds only the worker
// it runs on, so CRI answers and the other worker serves new connections while it spins; stats
// sum both workers; stopping the container stops both workers' servers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type http2 from "node:http2";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { criMethods } from "../cri/index.ts";
import {
  addFloatsMessage,
  connect,
  decodeAddFloatsResponse,
  frame,
  rawRequest,
} from "../dataplane/testdata/clients.ts";
import {
  connectRaw,
  FrameType,
  frame as h2Frame,
  headerBlock,
  pushAttacker,
} from "./attacks/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import { pushExample, type Stack, startPod, startStack } from "./vimanad.ts";

const ADD = "/foo.bar.AdderService/AddFloats";
/** A small CONTINUATION limit and a short hold, so that the flags are seen in the workers. */
const FLOOD_FLAGS = ["--max-continuation-frames", "3", "--flood-hold-ms", "200"];
const port = freeLoopbackPort();
let stack: Stack | undefined;
const sessions: http2.ClientHttp2Session[] = [];

beforeAll(async () => {
  stack = await startStack({
    dataplanePort: port,
    extraArgs: ["--workers", "2", ...["--max-concurrent-streams", "7"], ...FLOOD_FLAGS],
  });
});
afterAll(async () => {
  for (const session of sessions) session.destroy();
  await stack?.stop();
});

function call(ip: string, x: number, y: number) {
  const session = connect(ip, port);
  sessions.push(session);
  return rawRequest(session, { path: ADD, body: [frame(addFloatsMessage(x, y))] }).response;
}

describe("vimanad --workers 2", () => {
  test("a spinning call holds one worker: CRI and new connections are answered meanwhile", async () => {
    const { registry, vimanad } = stack as Stack;
    const cri = vimanad.cri;
    const [adder, spinning] = await Promise.all([
      pushExample(registry.host, "healthy", "1.0.0"),
      pushAttacker(registry.host, "spinning"),
    ]);
    for (const image of [adder, spinning]) {
      await cri.call(criMethods.PullImage, {
        image: image.imageSpec,
        sandbox_config: { labels: image.labels },
      });
    }
    const healthy = await startPod(cri, adder, port);
    // Not startPod: it checks the pod with a call, which this one never answers in time.
    const { pod_sandbox_id } = await cri.call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: { metadata: { name: "spinner", uid: crypto.randomUUID() }, labels: spinning.labels },
    });
    const { container_id } = await cri.call(criMethods.CreateContainer, {
      pod_sandbox_id,
      config: { metadata: { name: "grpc", attempt: 1 }, image: spinning.imageSpec },
    });
    await cri.call(criMethods.StartContainer, { container_id });
    const sandbox = await cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id });
    const spinnerIp = sandbox.status?.network?.ip ?? "";

    const order: string[] = [];
    // Spins until its CPU budget is spent (most of a second): its worker answers nothing else.
    const spin = call(spinnerIp, 1, 2).then((answer) => {
      order.push("spin answered");
      return answer;
    });
    await Bun.sleep(50);
    await cri.call(criMethods.Version, {});
    await cri.call(criMethods.ListPodSandbox, {});
    order.push("CRI answered");
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => call(healthy.ip, i, 1)));
    expect(answers.map((a) => decodeAddFloatsResponse(a.body.subarray(5)).result)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    order.push("10 healthy calls answered");
    expect((await spin).grpcStatus).toBe(4); // DEADLINE_EXCEEDED: its budget
    expect(order).toEqual(["CRI answered", "10 healthy calls answered", "spin answered"]);

    // Stats sum the workers' instances: a whole number of 64 KiB pages, CPU time spent.
    const { stats } = await cri.call(criMethods.ContainerStats, {
      container_id: healthy.containerId,
    });
    expect(stats?.memory?.working_set_bytes?.value ?? 0n).toBeGreaterThan(0n);
    expect((stats?.memory?.working_set_bytes?.value ?? 0n) % 65536n).toBe(0n);
    expect(stats?.cpu?.usage_core_nano_seconds?.value ?? 0n).toBeGreaterThan(0n);

    // Stopping the container closes every worker's server: new connections are refused.
    await cri.call(criMethods.StopContainer, { container_id: healthy.containerId, timeout: 1n });
    const refused = await new Promise<string>((resolve) => {
      const probe = connect(healthy.ip, port);
      sessions.push(probe);
      probe.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      probe.on("connect", () => resolve("connected"));
    });
    expect(refused).toBe("ECONNREFUSED");
  });

  test("data-plane limits given as flags reach the workers' pod servers", async () => {
    const { registry, vimanad } = stack as Stack;
    const cri = vimanad.cri;
    const adder = await pushExample(registry.host, "limits", "1.0.0");
    await cri.call(criMethods.PullImage, {
      image: adder.imageSpec,
      sandbox_config: { labels: adder.labels },
    });
    const { ip } = await startPod(cri, adder, port);
    // Several connections, so that both workers' servers answer some.
    for (let i = 0; i < 4; i++) {
      const session = connect(ip, port);
      sessions.push(session);
      const settings = await new Promise<http2.Settings>((resolve) =>
        session.once("remoteSettings", resolve),
      );
      expect(settings.maxConcurrentStreams).toBe(7);
    }
    const block = headerBlock([
      [":method", "POST"],
      [":scheme", "http"],
      [":authority", ip],
      [":path", ADD],
    ]);
    const empty = h2Frame(FrameType.Continuation, 0, 1);
    for (let i = 0; i < 4; i++) {
      const connection = await connectRaw(ip, port);
      await connection.settled;
      // HEADERS and 3 CONTINUATION frames are taken; a 4th is one too many.
      const headers = h2Frame(FrameType.Headers, 0, 1, block);
      connection.write(Buffer.concat([headers, empty, empty, empty]));
      await Bun.sleep(50);
      expect(connection.goAwayCode()).toBeUndefined();
      connection.write(empty);
      const started = performance.now();
      await connection.closed;
      expect(connection.goAwayCode()).toBe(11); // ENHANCE_YOUR_CALM
      // Held for --flood-hold-ms, not the default second.
      expect(performance.now() - started).toBeLessThan(900);
    }
  });
});
