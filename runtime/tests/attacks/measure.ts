// What the isolation suite measures while one pod is attacked: the healthy pod's throughput and
// p99 (h2load), CRI latency as kubelet sees it (Version and ListPodSandbox in turn), and
// vimanad's resident memory.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { type CriClient, criMethods } from "../../cri/index.ts";
import { addFloatsMessage, frame } from "../../dataplane/testdata/clients.ts";

const ADD_FLOATS = "/foo.bar.AdderService/AddFloats";

export interface Throughput {
  readonly rps: number;
  readonly p99Ms: number;
  readonly failed: number;
}

/** `seconds` of AddFloats on one pod with h2load (-c 4 -m 8); failures counted, not fatal. */
export async function healthyThroughput(
  host: string,
  port: number,
  seconds: number,
): Promise<Throughput> {
  const h2load = Bun.which("h2load");
  if (!h2load) throw new Error("h2load not found; install it with: apt-get install nghttp2-client");
  const dir = await mkdtemp(join(tmpdir(), "vimana-isolation-"));
  try {
    const body = join(dir, "add-floats.bin");
    await Bun.write(body, frame(addFloatsMessage(3.5, -1.2)));
    const log = join(dir, "requests.tsv");
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}${ADD_FLOATS}`;
    const child = Bun.spawn(
      [
        h2load,
        ...["-c", "4", "-m", "8", "-D", String(seconds), "-d", body],
        ...["-H", "content-type: application/grpc", "-H", "te: trailers"],
        `--log-file=${log}`,
        url,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [out] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    const durations = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => Number(line.split("\t")[2]))
      .sort((a, b) => a - b);
    const p99 = durations[Math.min(durations.length - 1, Math.floor(durations.length * 0.99))];
    return {
      rps: Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1] ?? 0),
      p99Ms: (p99 ?? Number.NaN) / 1000,
      failed:
        Number(/(\d+) failed/.exec(out)?.[1] ?? 0) + Number(/(\d+) errored/.exec(out)?.[1] ?? 0),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The healthy pod's throughput over `windows` runs of `seconds`: req/s the median (the shared
 * machine's load moves single runs by ±30%), p99 the worst run's, every failure counted, and
 * `requests` all that were answered.
 */
export async function medianThroughput(
  host: string,
  port: number,
  windows: number,
  seconds: number,
): Promise<Throughput & { requests: number }> {
  const runs: Throughput[] = [];
  for (let i = 0; i < windows; i++) runs.push(await healthyThroughput(host, port, seconds));
  return {
    rps: runs.map((run) => run.rps).sort((a, b) => a - b)[windows >> 1] ?? 0,
    p99Ms: Math.max(...runs.map((run) => run.p99Ms)),
    failed: runs.reduce((sum, run) => sum + run.failed, 0),
    requests: runs.reduce((sum, run) => sum + run.rps * seconds, 0),
  };
}

/**
 * Calls the pod in `seconds` windows until two in a row are within `within` of each other (at
 * most `maxWindows`): its throughput has settled (JIT, caches, worker spread).
 */
export async function warmUntilSteady(
  host: string,
  port: number,
  { seconds = 2, within = 0.05, maxWindows = 10 } = {},
): Promise<{ windows: number; rps: number }> {
  let last = (await healthyThroughput(host, port, seconds)).rps;
  for (let windows = 2; windows <= maxWindows; windows++) {
    const rps = (await healthyThroughput(host, port, seconds)).rps;
    if (Math.abs(rps - last) <= within * Math.max(rps, last)) return { windows, rps };
    last = rps;
  }
  return { windows: maxWindows, rps: last };
}

/** Version and ListPodSandbox in turn for `ms`; the latencies' p99 and maximum, in ms. */
export async function criLatency(
  cri: CriClient,
  ms: number,
): Promise<{ p99Ms: number; maxMs: number; calls: number }> {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end; i++) {
    const start = performance.now();
    if (i % 2 === 0) await cri.call(criMethods.Version, {});
    else await cri.call(criMethods.ListPodSandbox, {});
    latencies.push(performance.now() - start);
    await Bun.sleep(20);
  }
  latencies.sort((a, b) => a - b);
  return {
    p99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
    maxMs: latencies.at(-1) ?? 0,
    calls: latencies.length,
  };
}

/** A process's CPU time so far (user and system), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime (fields 14 and 15 of stat, counted here from field 3), in 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** vimanad's resident set, in MiB. */
export function rssMiB(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(line?.[1] ?? 0) / 1024;
}

/** `count` clients calling AddFloats on an attacking pod back to back until stopped. */
export function continuousCallers(host: string, port: number, count: number) {
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const request = Buffer.from(addFloatsMessage(1, 2));
  let running = true;
  let answered = 0;
  let failed = 0;
  const clients = Array.from(
    { length: count },
    () => new grpc.Client(target, grpc.credentials.createInsecure()),
  );
  const loops = clients.map(async (client) => {
    while (running) {
      await new Promise<void>((resolve) => {
        client.makeUnaryRequest(
          ADD_FLOATS,
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          request,
          new grpc.Metadata(),
          { deadline: Date.now() + 30_000 },
          (error) => {
            if (error) failed++;
            else answered++;
            resolve();
          },
        );
      });
    }
  });
  return {
    async stop(): Promise<string> {
      running = false;
      await Promise.all(loops);
      for (const client of clients) client.close();
      return `${count} caller(s): ${answered} answered, ${failed} failed`;
    },
  };
}
