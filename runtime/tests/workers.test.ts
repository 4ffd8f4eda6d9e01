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
import { pushAttacker } from "./attacks/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import { pushExample, type Stack, startPod, startStack } from "./vimanad.ts";

const ADD = "/foo.bar.AdderService/AddFloats";
const port = freeLoopbackPort();
let stack: Stack | undefined;
const sessions: http2.ClientHttp2Session[] = [];

beforeAll(async () => {
  stack = await startStack({ dataplanePort: port, extraArgs: ["--workers", "2"] });
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
});
