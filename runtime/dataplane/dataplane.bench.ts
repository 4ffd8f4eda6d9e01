// bun run bench dataplane: h2load (-c 8 -m 16, AddFloats) against our data plane serving the WAT
// adder, @grpc/grpc-js serving the same method with a plain JS handler (the peer), and a raw
// node:http2 handler that decodes nothing (the ceiling); then HTTP/JSON over HTTP/1.1 (h2load
// --h1 -c 8) on our gRPC port and, for comparison, on a port of its own served by Bun.serve.
// Each server runs in its own Bun process; rounds alternate the servers; figures are medians.
// Server CPU per request (from /proc) is printed too: it moves less with the machine's load.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExamples } from "../../examples/build.ts";
import { addFloats, addFloatsMessage, frame } from "./testdata/clients.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const H2LOAD = Bun.which("h2load");
if (!H2LOAD) {
  console.error(
    "dataplane bench: h2load not found; install it with: apt-get install nghttp2-client",
  );
  process.exit(1);
}

const serverScript = join(import.meta.dir, "testdata", "bench-server.ts");
const scratch = await mkdtemp(join(tmpdir(), "vimana-dataplane-bench-"));
const grpcBody = join(scratch, "add-floats.bin");
const jsonBody = join(scratch, "add-floats.json");
await Bun.write(grpcBody, frame(addFloatsMessage(3.5, -1.2)));
await Bun.write(jsonBody, JSON.stringify({ x: 3.5, y: -1.2 }));
const PATH = "/foo.bar.AdderService/AddFloats";

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuUs: number;
}

interface Server {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function startServer(mode: string): Promise<Server> {
  const child = Bun.spawn([process.execPath, serverScript, mode], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = child.stdout.getReader();
  let output = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`bench server ${mode} exited before it was ready: ${output}`);
    output += new TextDecoder().decode(value);
    const ready = /ready (\d+)/.exec(output);
    if (ready) {
      reader.releaseLock();
      return {
        port: Number(ready[1]),
        pid: child.pid,
        stop: async () => {
          child.kill();
          await child.exited;
        },
      };
    }
  }
}

/** utime + stime of a process, in µs. */
async function cpuUs(pid: number): Promise<number> {
  const stat = await Bun.file(`/proc/${pid}/stat`).text();
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat (utime, stime), counted from the state field (3) on, in clock
  // ticks of 1/100 s (USER_HZ on Linux).
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6;
}

async function h2load(args: string[]): Promise<string> {
  const child = Bun.spawn([H2LOAD as string, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (!/ 0 errored/.test(out) || !/ 0 failed/.test(out)) {
    throw new Error(`h2load ${args.join(" ")} had failures:\n${out}`);
  }
  return out;
}

/** One measured run: warm up, then `SECONDS` of load with per-request timings. */
async function measure(server: Server, protocol: "grpc" | "h1-json" | "h2-json"): Promise<Sample> {
  const url = `http://127.0.0.1:${server.port}${PATH}`;
  const args =
    protocol === "grpc"
      ? [
          "-c",
          "8",
          "-m",
          "16",
          "-d",
          grpcBody,
          "-H",
          "content-type: application/grpc",
          "-H",
          "te: trailers",
        ]
      : protocol === "h2-json"
        ? ["-c", "8", "-m", "16", "-d", jsonBody, "-H", "content-type: application/json"]
        : ["--h1", "-c", "8", "-d", jsonBody, "-H", "content-type: application/json"];
  await h2load([...args, "-n", "20000", url]);
  const log = join(scratch, "requests.tsv");
  const before = await cpuUs(server.pid);
  const out = await h2load([...args, "-D", String(SECONDS), `--log-file=${log}`, url]);
  const cpu = (await cpuUs(server.pid)) - before;
  const done = Number(/(\d+) succeeded/.exec(out)?.[1]);
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1]);
  const durations = (await Bun.file(log).text())
    .trim()
    .split("\n")
    .map((line) => Number(line.split("\t")[2]))
    .sort((a, b) => a - b);
  const at = (p: number) =>
    durations[Math.min(durations.length - 1, Math.floor(durations.length * p))] ?? NaN;
  return { rps, p50: at(0.5), p99: at(0.99), cpuUs: cpu / done };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;

function summary(samples: Sample[]): Sample {
  return {
    rps: median(samples.map((s) => s.rps)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    cpuUs: median(samples.map((s) => s.cpuUs)),
  };
}

const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
function line(label: string, s: Sample): string {
  return `${label.padEnd(44)} ${Math.round(s.rps).toString().padStart(7)} req/s   p50 ${ms(s.p50).padStart(8)}   p99 ${ms(s.p99).padStart(8)}   server CPU ${s.cpuUs.toFixed(1).padStart(5)} µs/req`;
}

/** Runs each case once per round, in an order that rotates between rounds. */
async function rounds(cases: { mode: string; protocol: "grpc" | "h1-json" | "h2-json" }[]) {
  const samples = cases.map(() => [] as Sample[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (round + k) % cases.length;
      const { mode, protocol } = cases[index] as (typeof cases)[number];
      const server = await startServer(mode);
      try {
        if (protocol === "grpc" && mode !== "ceiling") {
          // Measure real answers: the server must add.
          const { result } = await addFloats(`127.0.0.1:${server.port}`, { x: 3.5, y: -1.2 });
          if (result !== Math.fround(2.3)) throw new Error(`${mode} answered ${result}`);
        }
        samples[index]?.push(await measure(server, protocol));
      } finally {
        await server.stop();
      }
    }
  }
  return samples.map(summary);
}

try {
  await buildExamples({ only: ["adder-wat"] });
  console.log(
    `AddFloats on 127.0.0.1, ${ROUNDS} rounds of ${SECONDS} s per server, medians (${navigator.hardwareConcurrency} CPUs shared by h2load and the server)`,
  );
  const [ours, peer, ceiling] = (await rounds([
    { mode: "ours", protocol: "grpc" },
    { mode: "grpc-js", protocol: "grpc" },
    { mode: "ceiling", protocol: "grpc" },
  ])) as [Sample, Sample, Sample];
  console.log(line("gRPC  ours (WAT adder component)", ours));
  console.log(line("gRPC  @grpc/grpc-js, plain JS handler", peer));
  console.log(line("gRPC  raw node:http2, decodes nothing", ceiling));
  console.log(
    `ratio ours/grpc-js ${(ours.rps / peer.rps).toFixed(2)} (target ≥ 1.5; by server CPU ${(peer.cpuUs / ours.cpuUs).toFixed(2)})   ours/ceiling ${(ours.rps / ceiling.rps).toFixed(2)} (by server CPU ${(ceiling.cpuUs / ours.cpuUs).toFixed(2)})`,
  );
  const [h1, h2, ownPort] = (await rounds([
    { mode: "ours", protocol: "h1-json" },
    { mode: "ours", protocol: "h2-json" },
    { mode: "json-port", protocol: "h1-json" },
  ])) as [Sample, Sample, Sample];
  console.log(line("JSON  HTTP/1.1 on the gRPC port (ours)", h1));
  console.log(line("JSON  HTTP/2 on the gRPC port (ours)", h2));
  console.log(line("JSON  HTTP/1.1, own port, Bun.serve (not used)", ownPort));
} finally {
  await rm(scratch, { recursive: true, force: true });
}
