// Issue #20's acceptance: the compiled vimanad (real containerd, a local registry) serves a
// healthy adder pod beside attacked ones; one attack at a time, the healthy pod keeps at least
// half its unloaded throughput with p99 under 100 ms, CRI Version/ListPodSandbox stay under
// 100 ms, and vimanad's RSS returns to its baseline after. The attacks (runtime/tests/attacks)
// are bounded in count and time; each figure is printed, as `bun run bench isolation` does.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { type CriClient, criMethods } from "../cri/index.ts";
import { addFloatsMessage, connect, frame, rawRequest } from "../dataplane/testdata/clients.ts";
import {
  type Attack,
  continuousCallers,
  cpuSeconds,
  criLatency,
  emptyContinuationFlood,
  idleHeads,
  medianThroughput,
  openStreams,
  oversizedHeaders,
  pushAttacker,
  rapidReset,
  rssMiB,
  startAttackerPod,
  warmUntilSteady,
} from "./attacks/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import { type PushedImage, pushExample, type Stack, startPod, startStack } from "./vimanad.ts";

/** Each figure is the median of WINDOWS runs of WINDOW_SECONDS: one short run is noise-prone. */
const WINDOWS = 5;
const WINDOW_SECONDS = 1;
const SECONDS = WINDOWS * WINDOW_SECONDS;
/** "Back to baseline": the allocator keeps some pages; the failures were 100s of MiB. */
const RSS_SLACK_MIB = 64;
const port = freeLoopbackPort();

let stack: Stack;
let cri: CriClient;
let adder: PushedImage;
let healthy: string;
let target: string;
let spinning: string;
let growing: string;
let rssBaseline: number;

beforeAll(async () => {
  stack = await startStack({ dataplanePort: port });
  cri = stack.vimanad.cri;
  adder = await pushExample(stack.registry.host, "healthy", "1.0.0");
  await cri.call(criMethods.PullImage, {
    image: adder.imageSpec,
    sandbox_config: { labels: adder.labels },
  });
  healthy = (await startPod(cri, adder, port)).ip;
  target = (await startPod(cri, adder, port)).ip;
  spinning = await startAttackerPod(cri, await pushAttacker(stack.registry.host, "spinning"));
  growing = await startAttackerPod(cri, await pushAttacker(stack.registry.host, "growing"));
  await warmUntilSteady(healthy, port, { seconds: 1, within: 0.1, maxWindows: 5 });
  rssBaseline = rssMiB(stack.vimanad.pid);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** The healthy pod's figures as the median of WINDOWS runs (measure.ts). */
const healthyFigures = () => medianThroughput(healthy, port, WINDOWS, WINDOW_SECONDS);

/** Runs `start`'s attack while measuring, stops it, and asserts the issue's figures. */
async function withstands(name: string, start: () => Promise<Attack> | Attack): Promise<void> {
  const pid = stack.vimanad.pid;
  // The machine's load drifts between attacks: each is compared with the figures just before it.
  const idleCpu = cpuSeconds(pid);
  const unloaded = await healthyFigures();
  const unloadedCores = (cpuSeconds(pid) - idleCpu) / SECONDS;
  const attack = await start();
  await Bun.sleep(500);
  const cpuBefore = cpuSeconds(pid);
  const [during, criDuring] = await Promise.all([
    healthyFigures(),
    criLatency(cri, SECONDS * 1000),
  ]);
  const cores = (cpuSeconds(pid) - cpuBefore) / SECONDS;
  const rssDuring = rssMiB(pid);
  const report = await attack.stop();
  await Bun.sleep(1000);
  // Freed instances' memory goes back at the workers' next garbage collection, which vimanad
  // runs within a second of a large instance's failure (runtime/host/pod.ts): wait up to 10 s.
  let rssAfter = rssMiB(pid);
  for (let waited = 0; waited < 10_000 && rssAfter >= rssBaseline + RSS_SLACK_MIB; waited += 250) {
    await Bun.sleep(250);
    rssAfter = rssMiB(pid);
  }
  console.log(
    `${name}: healthy ${during.rps.toFixed(0)} req/s (${(during.rps / unloaded.rps).toFixed(2)}× ${unloaded.rps.toFixed(0)} unloaded), p99 ${during.p99Ms.toFixed(1)} ms, ${during.failed} failed; vimanad ${cores.toFixed(2)} cores (${unloadedCores.toFixed(2)} unloaded); CRI p99 ${criDuring.p99Ms.toFixed(1)} ms; RSS ${rssDuring.toFixed(0)} MiB during, ${rssAfter.toFixed(0)} after (baseline ${rssBaseline.toFixed(0)}) — ${report}`,
  );
  expect(during.failed).toBe(0);
  expect(during.rps).toBeGreaterThanOrEqual(unloaded.rps / 2);
  expect(during.p99Ms).toBeLessThan(100);
  expect(criDuring.p99Ms).toBeLessThan(100);
  expect(rssAfter).toBeLessThan(rssBaseline + RSS_SLACK_MIB);
}

describe("one pod attacked, the healthy pod and CRI unaffected", () => {
  test("growing component (one page per grow), 4 callers", () =>
    withstands("growing component", () => continuousCallers(growing, port, 4)));
  test("spinning component, 4 callers", () =>
    withstands("spinning component", () => continuousCallers(spinning, port, 4)));
  test("20,000 idle connections", () =>
    withstands("20,000 idle connections", () => idleHeads(target, port, 20_000)));
  test("100k open streams", () =>
    withstands("100k open streams", () => openStreams(target, port, 100, 100_000)));
  test("empty CONTINUATION flood", () =>
    withstands("empty CONTINUATION flood", () => emptyContinuationFlood(target, port)));
  test("rapid reset flood", () => withstands("rapid reset flood", () => rapidReset(target, port)));
});

test("the one-CPU attacker's calls while one of its calls spins are refused with RESOURCE_EXHAUSTED", async () => {
  const call = (session: ReturnType<typeof connect>) =>
    rawRequest(session, {
      path: "/foo.bar.AdderService/AddFloats",
      body: [frame(addFloatsMessage(1, 2))],
    }).response;
  const first = connect(spinning, port);
  const later: ReturnType<typeof connect>[] = [];
  try {
    const spin = call(first);
    await Bun.sleep(100);
    // The spinning worker cannot accept meanwhile: the other takes these, and has no share left.
    for (let i = 0; i < 4; i++) later.push(connect(spinning, port));
    const started = performance.now();
    const codes = (await Promise.all(later.map(call))).map((answer) => answer.grpcStatus);
    const ms = performance.now() - started;
    console.log(`4 calls while one spins: grpc-status ${codes.join(" ")} in ${ms.toFixed(0)} ms`);
    expect(codes).toEqual([8, 8, 8, 8]);
    expect((await spin).grpcStatus).toBe(4); // its CPU budget
  } finally {
    for (const session of [first, ...later]) session.destroy();
  }
});

test("oversized headers get 431 over HTTP/1.1 and HTTP/2", async () => {
  const answer = await oversizedHeaders(target, port, 32 * 1024);
  expect(answer.http1).toStartWith("HTTP/1.1 431");
  expect(answer.http2).toBe(":status 431");
  // Above 64 KiB Bun's node:http2 client cannot encode the block: it ends its own session
  // (COMPRESSION_ERROR) before sending, so only HTTP/1.1 reaches the server (docs/vimanad.md).
  const huge = await oversizedHeaders(target, port, 100 * 1024);
  expect(huge.http1).toStartWith("HTTP/1.1 431");
  expect(huge.http2).toBe("session error: Session closed with error code 9");
});

test("oversized labels are refused with INVALID_ARGUMENT; List calls serve on", async () => {
  const refused = await cri
    .call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: { labels: { ...adder.labels, "example.com/huge": "x".repeat(1 << 20) } },
    })
    .then(
      () => undefined,
      (error: { code?: number; message?: string }) => error,
    );
  expect(refused?.code).toBe(3);
  expect(refused?.message).toContain("example.com/huge");
  expect((await cri.call(criMethods.ListPodSandbox, {})).items.length).toBeGreaterThanOrEqual(4);
});
