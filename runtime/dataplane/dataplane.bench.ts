// bun run bench dataplane: h2load (-c 8 -m 16, AddFloats, one h2load thread) against our data
// plane serving the WAT adder — on its canonical-ABI fast path and, forced, on the jco path —,
// @grpc/grpc-js serving the same method with a plain JS handler, grpc-go with a native handler on
// one core (GOMAXPROCS=1) and on every core, and a raw node:http2 handler that decodes nothing
// (the ceiling); then HTTP/JSON over HTTP/1.1 (h2load --h1 -c 8) on our gRPC port and, for
// comparison, on a port of its own served by Bun.serve.
// Each server runs in its own process and is warmed until its throughput is steady (two
// consecutive 2 s windows within 5%) before rounds, which alternate the servers; figures are
// medians. Server CPU per request (from /proc, every thread of the process) moves less with the
// machine's load than req/s does.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExamples } from "../../examples/build.ts";
import { buildGoModule } from "../../scripts/go-tools.ts";
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
const goServerDir = join(import.meta.dir, "testdata", "grpc-go");
const WINDOW_SECONDS = 2;
const STEADY_WITHIN = 0.05;
const MAX_WARM_WINDOWS = 10;
const scratch = await mkdtemp(join(tmpdir(), "vimana-dataplane-bench-"));
const grpcBody = join(scratch, "add-floats.bin");
const jsonBody = join(scratch, "add-floats.json");
await Bun.write(grpcBody, frame(addFloatsMessage(3.5, -1.2)));
await Bun.write(jsonBody, JSON.stringify({ x: 3.5, y: -1.2 }));
const PATH = "/foo.bar.AdderService/AddFloats";

type Protocol = "grpc" | "h1-json" | "h2-json";

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

let goServer = "";

function serverCommand(mode: string): { cmd: string[]; env: Record<string, string> } {
  const env = { ...process.env } as Record<string, string>;
  if (mode === "grpc-go-1") return { cmd: [goServer], env: { ...env, GOMAXPROCS: "1" } };
  if (mode === "grpc-go-all") {
    delete env.GOMAXPROCS;
    return { cmd: [goServer], env };
  }
  if (mode === "ours-jco") {
    return {
      cmd: [process.execPath, serverScript, "ours"],
      env: { ...env, VIMANA_CALL_PATH: "jco" },
    };
  }
  return { cmd: [process.execPath, serverScript, mode], env };
}

async function startServer(mode: string): Promise<Server> {
  const { cmd, env } = serverCommand(mode);
  const child = Bun.spawn(cmd, { env, stdout: "pipe", stderr: "inherit" });
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
  const child = Bun.spawn([H2LOAD as string, "-t", "1", ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (!/ 0 errored/.test(out) || !/ 0 failed/.test(out)) {
    throw new Error(`h2load ${args.join(" ")} had failures:\n${out}`);
  }
  return out;
}

function loadArgs(protocol: Protocol): string[] {
  return protocol === "grpc"
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
}

const rpsOf = (out: string) => Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1]);

/**
 * Loads the server in 2 s windows until two consecutive windows are within 5% of each other:
 * a JIT warms at its own pace (grpc-js's far larger JavaScript takes longest).
 */
async function warm(server: Server, protocol: Protocol): Promise<number | undefined> {
  const url = `http://127.0.0.1:${server.port}${PATH}`;
  let previous = 0;
  for (let window = 1; window <= MAX_WARM_WINDOWS; window++) {
    const rps = rpsOf(await h2load([...loadArgs(protocol), "-D", String(WINDOW_SECONDS), url]));
    if (previous > 0 && Math.abs(rps - previous) <= STEADY_WITHIN * previous) return window;
    previous = rps;
  }
  return undefined;
}

/** One measured run: `SECONDS` of load with per-request timings. */
async function measure(server: Server, protocol: Protocol): Promise<Sample> {
  const url = `http://127.0.0.1:${server.port}${PATH}`;
  const log = join(scratch, "requests.tsv");
  const before = await cpuUs(server.pid);
  const out = await h2load([
    ...loadArgs(protocol),
    "-D",
    String(SECONDS),
    `--log-file=${log}`,
    url,
  ]);
  const cpu = (await cpuUs(server.pid)) - before;
  const done = Number(/(\d+) succeeded/.exec(out)?.[1]);
  const durations = (await Bun.file(log).text())
    .trim()
    .split("\n")
    .map((line) => Number(line.split("\t")[2]))
    .sort((a, b) => a - b);
  const at = (p: number) =>
    durations[Math.min(durations.length - 1, Math.floor(durations.length * p))] ?? NaN;
  return { rps: rpsOf(out), p50: at(0.5), p99: at(0.99), cpuUs: cpu / done };
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

/**
 * Starts every case's server, warms each until steady, then runs each case once per round in an
 * order that rotates between rounds; servers stay up (and warm) across rounds.
 */
async function rounds(cases: { mode: string; protocol: Protocol }[]) {
  const servers: Server[] = [];
  try {
    for (const { mode, protocol } of cases) {
      const server = await startServer(mode);
      servers.push(server);
      if (protocol === "grpc" && mode !== "ceiling") {
        // Measure real answers: the server must add.
        const { result } = await addFloats(`127.0.0.1:${server.port}`, { x: 3.5, y: -1.2 });
        if (result !== Math.fround(2.3)) throw new Error(`${mode} answered ${result}`);
      }
      const windows = await warm(server, protocol);
      console.log(
        windows === undefined
          ? `  ${mode} (${protocol}) not steady after ${MAX_WARM_WINDOWS} windows of ${WINDOW_SECONDS} s (the machine's other load moves it): measured anyway`
          : `  ${mode} (${protocol}) steady after ${windows} windows of ${WINDOW_SECONDS} s`,
      );
    }
    const samples = cases.map(() => [] as Sample[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < cases.length; k++) {
        const index = (round + k) % cases.length;
        const { protocol } = cases[index] as (typeof cases)[number];
        samples[index]?.push(await measure(servers[index] as Server, protocol));
      }
    }
    return samples.map(summary);
  } finally {
    for (const server of servers) await server.stop();
  }
}

try {
  await buildExamples({ only: ["adder-wat"] });
  goServer = await buildGoModule(goServerDir, "grpc-go-bench-server", {
    progress: (line) => console.log(line),
  });
  const cpus = navigator.hardwareConcurrency;
  console.log(
    `AddFloats on 127.0.0.1, h2load with 1 thread (-t 1, one core at most) -c 8 -m 16; servers warmed until two ${WINDOW_SECONDS} s windows are within ${STEADY_WITHIN * 100}%, then ${ROUNDS} alternating rounds of ${SECONDS} s, medians (${cpus} CPUs shared by h2load and the server)`,
  );
  const [ours, jco, peer, go1, goAll, ceiling] = (await rounds([
    { mode: "ours", protocol: "grpc" },
    { mode: "ours-jco", protocol: "grpc" },
    { mode: "grpc-js", protocol: "grpc" },
    { mode: "grpc-go-1", protocol: "grpc" },
    { mode: "grpc-go-all", protocol: "grpc" },
    { mode: "ceiling", protocol: "grpc" },
  ])) as [Sample, Sample, Sample, Sample, Sample, Sample];
  console.log(line("gRPC  ours, canonical-ABI fast path", ours));
  console.log(line("gRPC  ours, jco path (forced)", jco));
  console.log(line("gRPC  @grpc/grpc-js, plain JS handler", peer));
  console.log(line("gRPC  grpc-go, native handler, GOMAXPROCS=1", go1));
  console.log(line(`gRPC  grpc-go, native handler, all ${cpus} cores`, goAll));
  console.log(line("gRPC  raw node:http2, decodes nothing", ceiling));
  const ratio = (label: string, a: Sample, b: Sample, target: string) =>
    `ratio ${label.padEnd(28)} by req/s ${(a.rps / b.rps).toFixed(2)}   by server CPU ${(b.cpuUs / a.cpuUs).toFixed(2)}${target}`;
  console.log(ratio("ours/grpc-js", ours, peer, " (target by CPU ≥ 2.0)"));
  console.log(ratio("ours/grpc-go (1 core)", ours, go1, " (target by CPU ≥ 0.8)"));
  console.log(ratio("ours jco path/grpc-js", jco, peer, ""));
  console.log(ratio("ours fast path/jco path", ours, jco, ""));
  console.log(ratio("ours/ceiling", ours, ceiling, ""));
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
