// bun run bench isolation: one compiled vimanad (real containerd downstream, a local registry)
// serving a healthy adder pod beside attacked ones. For each attack it prints the healthy pod's
// req/s and p99 (h2load -c 4 -m 8) as a fraction of its figures measured just before the attack,
// vimanad's CPU per healthy request, CRI latency (Version and ListPodSandbox in turn, as kubelet
// polls) and vimanad's RSS before, during and after. The healthy pod is warmed until its
// throughput settles; each figure is the median of ROUNDS windows of BENCH_SECONDS. Every attack
// is bounded in count and time (runtime/tests/attacks/).
import { RUNTIME_HANDLER } from "../src/names/index.ts";
import { criMethods } from "./cri/index.ts";
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
} from "./tests/attacks/index.ts";
import { freeLoopbackPort } from "./tests/fixtures/ports.ts";
import { pushExample, startPod, startStack } from "./tests/vimanad.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const port = freeLoopbackPort();
const stack = await startStack({ dataplanePort: port });
const { vimanad, registry } = stack;
const cri = vimanad.cri;

/** The healthy pod's median figures, CRI latency and vimanad's CPU per healthy request. */
async function measure(healthy: string) {
  const cpuBefore = cpuSeconds(vimanad.pid);
  const [throughput, criFigures] = await Promise.all([
    medianThroughput(healthy, port, ROUNDS, SECONDS),
    criLatency(cri, ROUNDS * SECONDS * 1000),
  ]);
  const cpu = cpuSeconds(vimanad.pid) - cpuBefore;
  return {
    ...throughput,
    cri: criFigures,
    cores: cpu / (ROUNDS * SECONDS),
    cpuUsPerRequest: (cpu * 1e6) / Math.max(1, throughput.requests),
  };
}

try {
  const adder = await pushExample(registry.host, "healthy", "1.0.0");
  await cri.call(criMethods.PullImage, {
    image: adder.imageSpec,
    sandbox_config: { labels: adder.labels },
  });
  const healthy = (await startPod(cri, adder, port)).ip;
  const target = (await startPod(cri, adder, port)).ip;
  const spinning = await startAttackerPod(cri, await pushAttacker(registry.host, "spinning"));
  const growing = await startAttackerPod(cri, await pushAttacker(registry.host, "growing"));

  const warm = await warmUntilSteady(healthy, port);
  const rssBaseline = rssMiB(vimanad.pid);
  console.log(
    `healthy pod warmed in ${warm.windows} windows of 2 s (${warm.rps.toFixed(0)} req/s); figures are medians of ${ROUNDS} windows of ${SECONDS} s; vimanad RSS ${rssBaseline.toFixed(0)} MiB; ${navigator.hardwareConcurrency} CPUs shared by h2load, the attack and vimanad`,
  );

  const attacks: [string, () => Promise<Attack>][] = [
    ["growing component, 4 callers", async () => continuousCallers(growing, port, 4)],
    ["spinning component, 4 callers", async () => continuousCallers(spinning, port, 4)],
    ["20,000 idle connections", () => idleHeads(target, port, 20_000)],
    ["100k open streams", () => openStreams(target, port, 100, 100_000)],
    ["empty CONTINUATION flood", async () => emptyContinuationFlood(target, port)],
    ["rapid reset flood", async () => rapidReset(target, port)],
  ];
  for (const [name, start] of attacks) {
    // The machine's load drifts: each attack is compared with the figures just before it.
    const unloaded = await measure(healthy);
    const attack = await start();
    await Bun.sleep(1000);
    const during = await measure(healthy);
    const rssDuring = rssMiB(vimanad.pid);
    const report = await attack.stop();
    await Bun.sleep(2000);
    console.log(
      `${name}: healthy ${during.rps.toFixed(0)} req/s (${(during.rps / unloaded.rps).toFixed(2)}× ${unloaded.rps.toFixed(0)} unloaded), p99 ${during.p99Ms.toFixed(1)} ms (${unloaded.p99Ms.toFixed(1)} unloaded), ${during.failed} failed; vimanad ${during.cpuUsPerRequest.toFixed(1)} µs CPU per healthy request (${unloaded.cpuUsPerRequest.toFixed(1)} unloaded), ${during.cores.toFixed(2)} cores; CRI p99 ${during.cri.p99Ms.toFixed(1)} ms (${unloaded.cri.p99Ms.toFixed(1)} unloaded), max ${during.cri.maxMs.toFixed(0)} ms; RSS ${rssDuring.toFixed(0)} MiB during, ${rssMiB(vimanad.pid).toFixed(0)} after — ${report}`,
    );
  }
  const oversized = await oversizedHeaders(target, port, 100 * 1024);
  console.log(
    `oversized headers (100 KiB): HTTP/1.1 "${oversized.http1}", HTTP/2 "${oversized.http2}"`,
  );
  const labels = await cri
    .call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: { labels: { ...adder.labels, "example.com/huge": "x".repeat(1 << 20) } },
    })
    .then(
      () => "accepted",
      (error: { code?: number; message?: string }) => `refused (gRPC status ${error.code})`,
    );
  console.log(`oversized labels (1 MiB): ${labels}`);
} finally {
  await stack.stop();
}
