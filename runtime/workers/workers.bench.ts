// bun run bench workers: the compiled vimanad (real containerd downstream, a local registry)
// serving the WAT adder with --workers 0 (pods on the CRI thread), 1 and the number of CPUs.
// For each: AddFloats throughput (h2load -c 4 -m 8, after a warm-up) with CRI latency measured
// during that load (Version and ListPodSandbox in turn, as kubelet polls) and unloaded; then
// what each further pod costs in RSS.
import { availableParallelism } from "node:os";
import { criMethods } from "../cri/index.ts";
import { cpuSeconds, criLatency, healthyThroughput, rssMiB } from "../tests/attacks/index.ts";
import { freeLoopbackPort } from "../tests/fixtures/ports.ts";
import { pushExample, startPod, startStack } from "../tests/vimanad.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
/** Pods started to measure the memory each costs. */
const EXTRA_PODS = 20;
const cpus = availableParallelism();

async function measure(workers: number): Promise<string> {
  const port = freeLoopbackPort();
  const stack = await startStack({
    dataplanePort: port,
    extraArgs: ["--workers", String(workers)],
  });
  try {
    const { vimanad, registry } = stack;
    const cri = vimanad.cri;
    const adder = await pushExample(registry.host, "adder", "1.0.0");
    await cri.call(criMethods.PullImage, {
      image: adder.imageSpec,
      sandbox_config: { labels: adder.labels },
    });
    const { ip } = await startPod(cri, adder, port);
    const idle = await criLatency(cri, 1000);
    // Warm until the JIT has settled, then measure.
    await healthyThroughput(ip, port, 2);
    const cpuBefore = cpuSeconds(vimanad.pid);
    const [load, criLoaded] = await Promise.all([
      healthyThroughput(ip, port, SECONDS),
      criLatency(cri, SECONDS * 1000),
    ]);
    const cores = (cpuSeconds(vimanad.pid) - cpuBefore) / SECONDS;
    const rssBefore = rssMiB(vimanad.pid);
    for (let i = 0; i < EXTRA_PODS; i++) await startPod(cri, adder, port);
    await Bun.sleep(500);
    const perPod = ((rssMiB(vimanad.pid) - rssBefore) * 1024) / EXTRA_PODS;
    const label =
      workers === 0 ? "in-thread (--workers 0)" : `${workers} worker${workers > 1 ? "s" : ""}`;
    return `ours, ${label}: ${load.rps.toFixed(0)} req/s, p99 ${load.p99Ms.toFixed(1)} ms, ${load.failed} failed; vimanad ${cores.toFixed(2)} cores; CRI p99 ${criLoaded.p99Ms.toFixed(1)} ms (max ${criLoaded.maxMs.toFixed(0)} ms) under load, ${idle.p99Ms.toFixed(1)} ms idle; RSS ${perPod.toFixed(0)} KiB per further adder pod`;
  } finally {
    await stack.stop();
  }
}

console.log(
  `AddFloats on one adder-wat pod, h2load -c 4 -m 8 for ${SECONDS} s after 2 s of warm-up; ${cpus} CPUs shared by h2load, the CRI client and vimanad`,
);
const counts = [...new Set([0, 1, cpus])];
for (const workers of counts) console.log(await measure(workers));
