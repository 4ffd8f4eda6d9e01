// bun run bench cri: the compiled vimanad with real containerd downstream and a local registry.
// Prints the median time from RunPodSandbox to a pod's first gRPC answer (image pulled), the
// adder's pull time, pods per second through the whole lifecycle, and RSS per running pod.
import { readFileSync } from "node:fs";
import { criMethods } from "./cri/index.ts";
import { startContainerd, startRegistry } from "./tests/fixtures/index.ts";
import { freeLoopbackPort } from "./tests/fixtures/ports.ts";
import { endPod, podLifecycle, pushExample, startPod, startVimanad } from "./tests/vimanad.ts";

const FIRST_ANSWER_PODS = 50;
const PULLS = 9;
const LIFECYCLE_PODS = 400;
const AT_ONCE = 20;
const DENSITY_PODS = 1000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
  if (!line?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line[1]) * 1024;
}

const [containerd, registry] = await Promise.all([startContainerd(), startRegistry()]);
const port = freeLoopbackPort();
const vimanad = await startVimanad({
  downstream: containerd.socket,
  insecureRegistries: [registry.host],
  dataplanePort: port,
});
try {
  const { cri } = vimanad;
  const pullMs: number[] = [];
  let image = await pushExample(registry.host, "bench", "0.0.0");
  for (let i = 1; i <= PULLS; i++) {
    // A version not pulled yet each time: every pull fetches and stores.
    image = await pushExample(registry.host, "bench", `1.0.${i}`, { domain: image.domain });
    const started = performance.now();
    await cri.call(criMethods.PullImage, {
      image: image.imageSpec,
      sandbox_config: { labels: image.labels },
    });
    pullMs.push(performance.now() - started);
  }

  // The component is transpiled on first use: one pod warms the cache before timing.
  await podLifecycle(cri, image, port);
  const firstAnswerMs: number[] = [];
  for (let i = 0; i < FIRST_ANSWER_PODS; i++) {
    const started = performance.now();
    const pod = await startPod(cri, image, port);
    firstAnswerMs.push(performance.now() - started);
    await endPod(cri, pod);
  }

  const lifecycleStarted = performance.now();
  for (let done = 0; done < LIFECYCLE_PODS; done += AT_ONCE) {
    await Promise.all(Array.from({ length: AT_ONCE }, () => podLifecycle(cri, image, port)));
  }
  const podsPerSecond = LIFECYCLE_PODS / ((performance.now() - lifecycleStarted) / 1000);

  Bun.gc(true);
  const rssBefore = rssBytes(vimanad.pid);
  const running = [];
  for (let done = 0; done < DENSITY_PODS; done += AT_ONCE) {
    running.push(
      ...(await Promise.all(Array.from({ length: AT_ONCE }, () => startPod(cri, image, port)))),
    );
  }
  const rssPerPod = (rssBytes(vimanad.pid) - rssBefore) / DENSITY_PODS;
  for (let done = 0; done < running.length; done += AT_ONCE) {
    await Promise.all(running.slice(done, done + AT_ONCE).map((pod) => endPod(cri, pod)));
  }

  const ms = (value: number) => `${value.toFixed(2)} ms`;
  console.log(
    `cri: RunPodSandbox → first AddFloats answer (image pulled), median of ${FIRST_ANSWER_PODS}: ${ms(median(firstAnswerMs))} (target ≤ 5 ms)`,
  );
  console.log(
    `cri: PullImage of the adder from the local registry, median of ${PULLS}: ${ms(median(pullMs))}`,
  );
  console.log(
    `cri: full lifecycle (run → create → start → AddFloats → stop → remove ×2), ${AT_ONCE} at a time: ${podsPerSecond.toFixed(0)} pods/s`,
  );
  console.log(
    `cri: RSS per running pod at ${DENSITY_PODS} pods: ${(rssPerPod / 2 ** 20).toFixed(3)} MiB (target ≤ 0.5 MiB)`,
  );
} finally {
  await vimanad.cleanUp();
  await Promise.all([containerd.stop(), registry.stop()]);
}
