// bun run bench workers: the compiled vimanad (real containerd downstream, a local registry)
// serving the WAT adder with --workers 0 (pods on the CRI thread), 1, the number of CPUs and the
// default (CPUs + 1), all started at once and measured in alternating rounds (the machine is
// shared: its load moves). Each is warmed until its throughput settles; each round: AddFloats
// throughput on one pod (h2load -c 4 -m 8) with CRI latency measured during that load (Version
// and ListPodSandbox in turn, as kubelet polls); medians over the rounds. Then what each further
// pod costs in RSS.
import { availableParallelism } from "node:os";
import { criMethods } from "../cri/index.ts";
import {
  cpuSeconds,
  criLatency,
  healthyThroughput,
  rssMiB,
  type Throughput,
  warmUntilSteady,
} from "../tests/attacks/index.ts";
import { freeLoopbackPort } from "../tests/fixtures/ports.ts";
import { pushExample, type Stack, startPod, startStack } from "../tests/vimanad.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Pods started to measure the memory each costs. */
const EXTRA_PODS = 50;
const cpus = availableParallelism();

interface Subject {
  workers: number;
  stack: Stack;
  port: number;
  ip: string;
  start: () => Promise<unknown>;
  samples: { load: Throughput; criP99: number; cores: number }[];
  criIdleP99: number;
}

async function subject(workers: number): Promise<Subject> {
  const port = freeLoopbackPort();
  const stack = await startStack({
    dataplanePort: port,
    extraArgs: ["--workers", String(workers)],
  });
  try {
    const cri = stack.vimanad.cri;
    const adder = await pushExample(stack.registry.host, "adder", "1.0.0");
    await cri.call(criMethods.PullImage, {
      image: adder.imageSpec,
      sandbox_config: { labels: adder.labels },
    });
    const { ip } = await startPod(cri, adder, port);
    return {
      workers,
      stack,
      port,
      ip,
      start: () => startPod(cri, adder, port),
      samples: [],
      criIdleP99: (await criLatency(cri, 1000)).p99Ms,
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;

const subjects: Subject[] = [];
try {
  for (const workers of new Set([0, 1, cpus, cpus + 1])) subjects.push(await subject(workers));
  // Each subject is warmed until two 2 s windows agree within 5% (at most 10 windows).
  const warmed: string[] = [];
  for (const s of subjects) {
    const warm = await warmUntilSteady(s.ip, s.port);
    warmed.push(`${s.workers} workers in ${warm.windows}`);
  }
  console.log(
    `AddFloats on one adder-wat pod, h2load -c 4 -m 8, ${ROUNDS} alternating rounds of ${SECONDS} s after warming each until steady (2 s windows: ${warmed.join(", ")}), medians; ${cpus} CPUs shared by h2load (1 thread), the CRI client and vimanad`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of subjects) {
      const { vimanad } = s.stack;
      const before = cpuSeconds(vimanad.pid);
      const [load, cri] = await Promise.all([
        healthyThroughput(s.ip, s.port, SECONDS),
        criLatency(vimanad.cri, SECONDS * 1000),
      ]);
      s.samples.push({
        load,
        criP99: cri.p99Ms,
        cores: (cpuSeconds(vimanad.pid) - before) / SECONDS,
      });
    }
  }
  for (const s of subjects) {
    const rssBefore = rssMiB(s.stack.vimanad.pid);
    for (let i = 0; i < EXTRA_PODS; i++) await s.start();
    await Bun.sleep(500);
    const perPod = ((rssMiB(s.stack.vimanad.pid) - rssBefore) * 1024) / EXTRA_PODS;
    const label =
      s.workers === 0
        ? "in-thread (--workers 0)"
        : `${s.workers} worker${s.workers > 1 ? "s" : ""}${s.workers === cpus + 1 ? " (the default)" : ""}`;
    const rps = median(s.samples.map((x) => x.load.rps));
    const cores = median(s.samples.map((x) => x.cores));
    const base = median((subjects[0] as Subject).samples.map((x) => x.load.rps));
    console.log(
      `ours, ${label}: ${rps.toFixed(0)} req/s (${(rps / base).toFixed(2)}× in-thread), p99 ${median(s.samples.map((x) => x.load.p99Ms)).toFixed(1)} ms, ${s.samples.reduce((n, x) => n + x.load.failed, 0)} failed; vimanad ${cores.toFixed(2)} cores, ${((cores / rps) * 1e6).toFixed(1)} µs CPU/req; CRI p99 ${median(s.samples.map((x) => x.criP99)).toFixed(1)} ms under load, ${s.criIdleP99.toFixed(1)} ms idle; RSS ${perPod.toFixed(0)} KiB per further adder pod`,
    );
  }
} finally {
  await Promise.all(subjects.map((s) => s.stack.stop()));
}
