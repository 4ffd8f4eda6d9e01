// bun run bench host: the component host's costs, each against a baseline measured in the same
// run — AddFloats through a pod vs jco's glue alone (with one header and with h2load's four; the
// glue patched and not), instance creation, first vs cached load, and fuel instrumentation on a
// compute-bound loop. Rounds alternate; figures are medians.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CallContext, ComponentHost } from "./index.ts";
import type { GlueInstantiate } from "./instance.ts";
import { capMemory, instrument, limitsImport } from "./instrument.ts";
import { type TestComponentName, testComponent } from "./testdata/components.ts";
import { transpile } from "./transpile.ts";

type Call = (context: unknown, request: unknown) => unknown;

const scratch = await mkdtemp(join(tmpdir(), "vimana-host-bench-"));
const context: CallContext = { headers: [["user-agent", "bench"]] };
/** The headers h2load sends with each gRPC call, as the data plane passes them on. */
const h2loadContext: CallContext = {
  headers: [
    ["user-agent", "h2load nghttp2/1.59.0"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ["grpc-accept-encoding", "identity"],
  ],
};
const request = { x: 1.5, y: 2.25 };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

/** jco's glue alone: instantiated with the given core modules, nothing of the host around it. */
async function glueOnly(
  name: TestComponentName,
  exportKey: string,
  prepare: (module: Uint8Array) => Uint8Array,
  options: { patchGlue?: boolean } = {},
): Promise<Call> {
  const transpiled = await transpile(await testComponent(name), options);
  const dir = await mkdtemp(join(scratch, "glue-"));
  await Bun.write(join(dir, "component.js"), transpiled.glue);
  const { instantiate } = (await import(join(dir, "component.js"))) as {
    instantiate: GlueInstantiate;
  };
  const modules = new Map<string, WebAssembly.Module>();
  for (const [file, bytes] of transpiled.coreModules) {
    modules.set(file, await WebAssembly.compile(prepare(bytes)));
  }
  const limits = {
    [limitsImport.fuel]: new WebAssembly.Global({ value: "i32", mutable: true }, 2 ** 31 - 1),
    [limitsImport.growFailed]: new WebAssembly.Global({ value: "i32", mutable: true }, 0),
    [limitsImport.scratch]: new WebAssembly.Global({ value: "i32", mutable: true }, 0),
  };
  const exports = instantiate(
    (file) => modules.get(file) as WebAssembly.Module,
    {},
    (module, imports = {}) =>
      new WebAssembly.Instance(module, { ...imports, [limitsImport.module]: limits }),
  ) as Record<string, Call>;
  return exports[exportKey] as Call;
}

/** Calls per second over a batch, and each call's latency in a second batch. */
function measureCalls(
  call: () => unknown,
  count: number,
): { perSecond: number; latencies: number[] } {
  const start = Bun.nanoseconds();
  for (let i = 0; i < count; i++) call();
  const perSecond = count / ((Bun.nanoseconds() - start) / 1e9);
  const latencies = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const t = Bun.nanoseconds();
    call();
    latencies[i] = Bun.nanoseconds() - t;
  }
  return { perSecond, latencies };
}

async function benchCalls(): Promise<void> {
  const host = new ComponentHost({ cacheDir: join(scratch, "calls"), log: () => {} });
  const component = await host.load(await testComponent("adder-wat"));
  const pod = component.createPod({ name: "bench" });
  const direct = await glueOnly("adder-wat", "addFloats", (module) => module);
  // jco's glue as generated, without the host's patches (glue-patches.ts): what they save.
  const unpatched = await glueOnly("adder-wat", "addFloats", (module) => module, {
    patchGlue: false,
  });
  const variants: [string, () => unknown][] = [
    ["host pooled", () => pod.call("add-floats", context, request)],
    ["jco glue direct", () => direct(context, request)],
    ["host, 4 headers", () => pod.call("add-floats", h2loadContext, request)],
    ["glue, 4 headers", () => direct(h2loadContext, request)],
    ["unpatched, 4 hdr", () => unpatched(h2loadContext, request)],
  ];
  const rounds = 9;
  const callsPerRound = 100_000;
  const results = new Map(
    variants.map(([name]) => [name, { rates: [] as number[], all: [] as number[] }]),
  );
  for (let round = 0; round < rounds + 1; round++) {
    for (const [name, call] of variants) {
      const { perSecond, latencies } = measureCalls(call, callsPerRound);
      if (round === 0) continue; // warm-up
      const result = results.get(name);
      result?.rates.push(perSecond);
      result?.all.push(...latencies);
    }
  }
  console.log(`AddFloats (adder-wat), ${rounds} rounds × ${callsPerRound} calls, medians:`);
  const summary = new Map<string, { rate: number; p50: number; p99: number }>();
  for (const [name, { rates, all }] of results) {
    const sorted = Float64Array.from(all).sort();
    const figures = {
      rate: median(rates),
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
    };
    summary.set(name, figures);
    console.log(
      `  ${name.padEnd(16)} ${(figures.rate / 1e6).toFixed(2)}M calls/s  p50 ${us(figures.p50)}  p99 ${us(figures.p99)}`,
    );
  }
  const pooled = summary.get("host pooled");
  const glue = summary.get("jco glue direct");
  if (pooled && glue) {
    console.log(
      `  host/direct: throughput ${(pooled.rate / glue.rate).toFixed(2)}×, p50 ${(pooled.p50 / glue.p50).toFixed(2)}×, p99 ${(pooled.p99 / glue.p99).toFixed(2)}×`,
    );
  }
  const patched = summary.get("glue, 4 headers");
  const raw = summary.get("unpatched, 4 hdr");
  if (patched && raw) {
    console.log(
      `  glue patched/unpatched, 4 headers: throughput ${(patched.rate / raw.rate).toFixed(2)}×, p50 ${(patched.p50 / raw.p50).toFixed(2)}×`,
    );
  }
}

async function benchInstances(): Promise<void> {
  const host = new ComponentHost({ cacheDir: join(scratch, "instances"), log: () => {} });
  const figures: string[] = [];
  for (const [name, count] of [
    ["adder-wat", 300],
    ["adder-c", 300],
    ["adder-js", 30],
  ] as const) {
    const component = await host.load(await testComponent(name));
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = Bun.nanoseconds();
      component.createPod({ name: `p${i}` });
      times.push(Bun.nanoseconds() - start);
    }
    figures.push(`${name} ${us(median(times))}`);
  }
  console.log(`instance creation (a pod's first instance), medians: ${figures.join(", ")}`);
}

async function benchLoads(): Promise<void> {
  // The generator's own start (compiling jco's bindgen) happens once per process.
  const start = performance.now();
  await transpile(await testComponent("adder-wat"));
  console.log(`jco bindings generator start, once per process: ${ms(performance.now() - start)}`);
  for (const [name, rounds] of [
    ["adder-wat", 9],
    ["adder-c", 9],
    ["adder-js", 3],
  ] as const) {
    const bytes = await testComponent(name);
    const first: number[] = [];
    const disk: number[] = [];
    const memory: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const dir = join(scratch, `load-${name}-${round}`);
      const host = new ComponentHost({ cacheDir: dir, log: () => {} });
      let t = performance.now();
      await host.load(bytes);
      first.push(performance.now() - t);
      t = performance.now();
      await host.load(bytes);
      memory.push(performance.now() - t);
      // A copy, so the glue module is imported afresh as after a restart.
      await cp(dir, `${dir}-copy`, { recursive: true });
      const restarted = new ComponentHost({ cacheDir: `${dir}-copy`, log: () => {} });
      t = performance.now();
      await restarted.load(bytes);
      disk.push(performance.now() - t);
    }
    const [f, d, m] = [median(first), median(disk), median(memory)];
    console.log(
      `load ${name}: first (transpile + instrument + compile) ${ms(f)}, disk cache ${ms(d)} (${(f / d).toFixed(1)}× faster), in-process ${ms(m)}`,
    );
  }
}

async function benchFuel(): Promise<void> {
  const plain = await glueOnly("spinner", "crunch", (module) => module);
  const metered = await glueOnly("spinner", "crunch", (module) =>
    capMemory(instrument(module), 2 ** 30),
  );
  const n = 20_000_000;
  const times = { plain: [] as number[], metered: [] as number[] };
  for (let round = 0; round < 16; round++) {
    for (const [name, crunch] of [
      ["plain", plain],
      ["metered", metered],
    ] as const) {
      const start = performance.now();
      crunch(context, { n });
      if (round > 0) times[name].push(performance.now() - start);
    }
  }
  const [p, m] = [median(times.plain), median(times.metered)];
  console.log(
    `fuel on crunch(${n / 1e6}M iterations), medians of 15: uninstrumented ${ms(p)}, instrumented ${ms(m)}, overhead ${(((m - p) / p) * 100).toFixed(1)}% (target ≤ 15%)`,
  );
}

try {
  await benchLoads();
  await benchCalls();
  await benchInstances();
  await benchFuel();
} finally {
  await rm(scratch, { recursive: true, force: true });
}
