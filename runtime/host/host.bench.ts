// bun run bench host: the component host's costs, each against a baseline measured in the same
// run — AddFloats through a pod vs jco's glue alone (with one header and with h2load's four; the
// glue patched and not), instance creation, first vs cached load, and fuel instrumentation on a
// compute-bound loop, and shared against unshared memories (capMemory). Rounds alternate;
// figures are medians. It runs with vimanad's engine options (runtime/engine.ts).
import "../engine.ts";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "@bytecodealliance/jco";
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
  const unshared = await glueOnly("spinner", "crunch", (module) => instrument(module));
  const n = 20_000_000;
  const times = { plain: [] as number[], metered: [] as number[], unshared: [] as number[] };
  for (let round = 0; round < 16; round++) {
    for (const [name, crunch] of [
      ["plain", plain],
      ["metered", metered],
      ["unshared", unshared],
    ] as const) {
      const start = performance.now();
      crunch(context, { n });
      if (round > 0) times[name].push(performance.now() - start);
    }
  }
  const [p, m, u] = [median(times.plain), median(times.metered), median(times.unshared)];
  console.log(
    `fuel on crunch(${n / 1e6}M iterations), medians of 15: uninstrumented ${ms(p)}, instrumented ${ms(m)}, overhead ${(((m - p) / p) * 100).toFixed(1)}% (target ≤ 15%); instrumented with an unshared memory ${ms(u)}`,
  );
}

/**
 * capMemory makes memories shared (JSC reserves a shared memory's maximum up front) against the
 * engine's default, an unshared memory that a grow copies: one-page grows, AddFloats calls.
 */
async function benchMemory(): Promise<void> {
  const cap = 128 * 2 ** 20;
  const grower = await parse(`(module
    (memory (export "memory") 1 2048)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);
  const pages = 512;
  const growTimes = { unshared: [] as number[], shared: [] as number[] };
  for (let round = 0; round < 4; round++) {
    for (const [name, module] of [
      ["unshared", grower],
      ["shared", capMemory(grower, cap)],
    ] as const) {
      const grow = new WebAssembly.Instance(await WebAssembly.compile(module)).exports.grow as (
        pages: number,
      ) => number;
      const start = performance.now();
      for (let i = 0; i < pages; i++) grow(1);
      if (round > 0) growTimes[name].push(performance.now() - start);
    }
  }
  const creation = { unshared: [] as number[], shared: [] as number[] };
  const compiled = {
    unshared: await WebAssembly.compile(grower),
    shared: await WebAssembly.compile(capMemory(grower, cap)),
  };
  for (let round = 0; round < 2_001; round++) {
    for (const name of ["unshared", "shared"] as const) {
      const start = Bun.nanoseconds();
      new WebAssembly.Instance(compiled[name]);
      if (round > 0) creation[name].push((Bun.nanoseconds() - start) / 1e3);
    }
  }
  console.log(
    `memory: instance creation with a ${cap / 2 ** 20} MiB maximum, medians of 2,000: unshared ${median(creation.unshared).toFixed(1)} µs, shared ${median(creation.shared).toFixed(1)} µs`,
  );
  const [u, sh] = [median(growTimes.unshared), median(growTimes.shared)];
  console.log(
    `memory: ${pages} one-page grows (to ${pages / 16} MiB), medians of 3: unshared ${ms(u)}, shared ${ms(sh)} (${(u / sh).toFixed(0)}× faster)`,
  );
  const unshared = await glueOnly("adder-wat", "addFloats", (module) => module);
  const shared = await glueOnly("adder-wat", "addFloats", (module) => capMemory(module, cap));
  const rates = { unshared: [] as number[], shared: [] as number[] };
  for (let round = 0; round < 8; round++) {
    for (const [name, call] of [
      ["unshared", unshared],
      ["shared", shared],
    ] as const) {
      const { perSecond } = measureCalls(() => call(context, request), 100_000);
      if (round > 0) rates[name].push(perSecond);
    }
  }
  const [ru, rs] = [median(rates.unshared), median(rates.shared)];
  console.log(
    `memory: AddFloats through jco's glue, medians of 7 × 100,000 calls: unshared ${(ru / 1e6).toFixed(2)}M/s, shared ${(rs / 1e6).toFixed(2)}M/s (shared/unshared ${(rs / ru).toFixed(2)}×)`,
  );
}

try {
  await benchMemory();
  await benchLoads();
  await benchCalls();
  await benchInstances();
  await benchFuel();
} finally {
  await rm(scratch, { recursive: true, force: true });
}
