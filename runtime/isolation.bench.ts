// bun run bench isolation: one compiled vimanad (real containerd downstream, a local registry)
// serving a healthy adder pod beside attacked ones. For each attack it prints the healthy pod's
// req/s and p99 (h2load -c 4 -m 8) as a fraction of its unloaded figures, CRI latency (Version
// and ListPodSandbox in turn, as kubelet polls) and vimanad's RSS before, during and after.
// Every attack is bounded in count and time (runtime/tests/attacks/).
import { RUNTIME_HANDLER } from "../src/names/index.ts";
import { criMethods } from "./cri/index.ts";
import {
  type Attack,
  continuousCallers,
  cpuSeconds,
  criLatency,
  emptyContinuationFlood,
  healthyThroughput,
  idleHeads,
  openStreams,
  oversizedHeaders,
  pushAttacker,
  rapidReset,
  rssMiB,
  startAttackerPod,
} from "./tests/attacks/index.ts";
import { freeLoopbackPort } from "./tests/fixtures/ports.ts";
import { pushExample, startPod, startStack } from "./tests/vimanad.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const port = freeLoopbackPort();
const stack = await startStack({ dataplanePort: port });
const { vimanad, registry } = stack;
const cri = vimanad.cri;

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

  // Warm the healthy pod until its throughput settles, then the unloaded figures.
  await healthyThroughput(healthy, port, 2);
  let cpuBefore = cpuSeconds(vimanad.pid);
  const [unloaded, criUnloaded] = await Promise.all([
    healthyThroughput(healthy, port, SECONDS),
    criLatency(cri, SECONDS * 1000),
  ]);
  const cpuUnloaded = (cpuSeconds(vimanad.pid) - cpuBefore) / SECONDS;
  const rssBaseline = rssMiB(vimanad.pid);
  console.log(
    `unloaded: healthy pod ${unloaded.rps.toFixed(0)} req/s, p99 ${unloaded.p99Ms.toFixed(1)} ms; vimanad ${cpuUnloaded.toFixed(2)} cores; CRI p99 ${criUnloaded.p99Ms.toFixed(1)} ms; vimanad RSS ${rssBaseline.toFixed(0)} MiB (${navigator.hardwareConcurrency} CPUs shared by h2load, the attack and vimanad)`,
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
    const attack = await start();
    await Bun.sleep(1000);
    cpuBefore = cpuSeconds(vimanad.pid);
    const [during, criDuring] = await Promise.all([
      healthyThroughput(healthy, port, SECONDS),
      criLatency(cri, SECONDS * 1000),
    ]);
    const cores = (cpuSeconds(vimanad.pid) - cpuBefore) / SECONDS;
    const rssDuring = rssMiB(vimanad.pid);
    const report = await attack.stop();
    await Bun.sleep(2000);
    console.log(
      `${name}: healthy ${during.rps.toFixed(0)} req/s (${(during.rps / unloaded.rps).toFixed(2)}× unloaded), p99 ${during.p99Ms.toFixed(1)} ms (${(during.p99Ms / unloaded.p99Ms).toFixed(1)}×), ${during.failed} failed; vimanad ${cores.toFixed(2)} cores; CRI p99 ${criDuring.p99Ms.toFixed(1)} ms, max ${criDuring.maxMs.toFixed(0)} ms; RSS ${rssDuring.toFixed(0)} MiB during, ${rssMiB(vimanad.pid).toFixed(0)} after — ${report}`,
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
