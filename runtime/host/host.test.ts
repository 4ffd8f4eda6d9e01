import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CallContext,
  CallFailure,
  ComponentHost,
  type FailureKind,
  LoadError,
  type LogLine,
  type Pod,
} from "./index.ts";
import { type TestComponentName, testComponent } from "./testdata/components.ts";

const f32 = Math.fround;
const context: CallContext = { headers: [["user-agent", "host-test"]] };
let cacheDir: string;
let host: ComponentHost;
const logs: LogLine[] = [];

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "vimana-host-"));
  host = new ComponentHost({ cacheDir, log: (line) => logs.push(line) });
});

afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

async function pod(
  name: TestComponentName,
  options: { env?: [string, string][]; on?: ComponentHost } = {},
): Promise<Pod> {
  const component = await (options.on ?? host).load(await testComponent(name), { name });
  return component.createPod({ name: `${name}-pod`, env: options.env });
}

/** The failure `run` throws, checked to be a CallFailure of `kind`. */
function failure(kind: FailureKind, run: () => unknown): CallFailure {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(CallFailure);
  const failed = thrown as CallFailure;
  expect(failed.kind).toBe(kind);
  return failed;
}

function linesOf(podName: string): Omit<LogLine, "pod" | "component">[] {
  return logs.filter((l) => l.pod === podName).map(({ stream, line }) => ({ stream, line }));
}

describe("adder", () => {
  test.each(["adder-wat", "adder-c", "adder-js"] as const)(
    "%s: add-floats returns the float32 sum",
    async (name) => {
      const adder = await pod(name);
      for (const [x, y] of [
        [3.5, -1.2],
        [1e30, 1e30],
        [0.1, 0.2],
      ] as const) {
        expect(adder.call("add-floats", context, { x, y })).toEqual({
          result: f32(f32(x) + f32(y)),
        });
      }
    },
  );

  test("the JS adder sees the call's headers and logs to stdout and stderr", async () => {
    const adder = await pod("adder-js");
    adder.call(
      "add-floats",
      {
        headers: [
          ["x-a", "1"],
          ["x-b", "two"],
        ],
      },
      { x: 1.5, y: 2 },
    );
    expect(linesOf("adder-js-pod")).toContainEqual({ stream: "stdout", line: "adding 1.5 and 2" });
    expect(linesOf("adder-js-pod")).toContainEqual({
      stream: "stderr",
      line: "headers: x-a=1, x-b=two",
    });
  });
});

describe("load", () => {
  test("a second load of the same bytes hits the in-process cache, a new host the disk cache", async () => {
    const bytes = await testComponent("adder-c");
    const dir = await mkdtemp(join(tmpdir(), "vimana-host-cache-"));
    try {
      const first = new ComponentHost({ cacheDir: dir, log: () => {} });
      expect((await first.load(bytes)).origin).toBe("transpiled");
      expect((await first.load(bytes)).origin).toBe("memory");
      const restarted = new ComponentHost({ cacheDir: dir, log: () => {} });
      const cached = await restarted.load(bytes);
      expect(cached.origin).toBe("disk-cache");
      expect(cached.createPod({ name: "p" }).call("add-floats", context, { x: 1, y: 2 })).toEqual({
        result: 3,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a cache entry written by another recipe is replaced", async () => {
    const bytes = await testComponent("adder-wat");
    const dir = await mkdtemp(join(tmpdir(), "vimana-host-cache-"));
    try {
      const { digest } = await new ComponentHost({ cacheDir: dir, log: () => {} }).load(bytes);
      const manifest = Bun.file(join(dir, digest, "manifest.json"));
      await Bun.write(manifest, JSON.stringify({ ...(await manifest.json()), recipe: "older" }));
      const reloaded = await new ComponentHost({ cacheDir: dir, log: () => {} }).load(bytes);
      expect(reloaded.origin).toBe("transpiled");
      expect((await manifest.json()).recipe).not.toBe("older");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("lists the top-level function exports by their WIT names", async () => {
    const component = await host.load(await testComponent("logger"));
    expect([...component.exports].sort()).toEqual(["log-lines", "nap", "quit"]);
  });

  test("a component importing what the sandbox lacks fails to load, naming each import", async () => {
    const error = await host.load(await testComponent("spy"), { name: "spy" }).catch((e) => e);
    expect(error).toBeInstanceOf(LoadError);
    const message = (error as LoadError).message;
    expect(message).toStartWith("Linking error: component spy imports ");
    expect(message).toContain(
      "vimana:host-tests/exfiltration@0.1.0 (the host does not provide it)",
    );
    expect(message).toContain(
      "wasi:cli/environment@0.3.0 (only versions 0.2.x of wasi:cli/environment are provided)",
    );
    expect(message).toMatch(
      /wasi:sockets\/instance-network@0\.2\.\d+ \(no network access is provided\)/,
    );
    // Nothing of it is cached.
    const bytes = await testComponent("spy");
    const digest = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    expect(await readdir(cacheDir)).not.toContain(digest);
  });

  test("bytes that are not a component fail to load", async () => {
    const core = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const error = await host.load(core, { name: "core" }).catch((e) => e);
    expect(error).toBeInstanceOf(LoadError);
    expect((error as Error).message).toBe(
      "component core: cannot read it: this is a core WebAssembly module, not a component",
    );
  });

  test("a component that cannot initialize within its budget fails at pod creation", async () => {
    // slow-start's initialization costs about 1000 fuel, whichever toolchain built it: a C
    // component's cost is not fixed (testdata/slow-start.wat tells why).
    const bytes = await testComponent("slow-start");
    const load = (fuelPerCall: number) =>
      new ComponentHost({ cacheDir, log: () => {}, fuelPerCall }).load(bytes, {
        name: "slow-start",
      });
    const starved = await load(100);
    expect(() => starved.createPod({ name: "starved" })).toThrow(LoadError);
    expect(() => starved.createPod({ name: "starved" })).toThrow(
      "pod starved, component slow-start, (initialization): Module instantiation error: CPU budget exhausted: RuntimeError",
    );
    // With enough fuel the same initialization runs to its end: the budget was what it lacked.
    const fed = (await load(10_000)).createPod({ name: "fed" });
    expect(fed.call("warmed", context, { n: 0 })).toEqual({ total: 1000n });
  });

  test("a memory cap below what the component declares fails the load", async () => {
    const bytes = await testComponent("adder-js");
    const error = await host.load(bytes, { name: "js", memoryBytes: 2 ** 20 }).catch((e) => e);
    expect(error).toBeInstanceOf(LoadError);
    expect((error as Error).message).toMatch(
      /^component js: core module component\.core\.wasm: memory 0 needs at least \d+ pages .* above the memory cap of 16 pages \(1 MiB\)$/,
    );
  });
});

describe("calls", () => {
  test("an unknown export is a missing-export failure, and the pod keeps serving", async () => {
    const adder = await pod("adder-wat");
    const failed = failure("missing-export", () => adder.call("subtract", context, { x: 1, y: 1 }));
    expect(failed.summary).toBe("Function selection error");
    expect(failed.message).toBe(
      'pod adder-wat-pod, component adder-wat, subtract: Function selection error: Function not found: "subtract"',
    );
    expect(adder.call("add-floats", context, { x: 1, y: 1 })).toEqual({ result: 2 });
  });

  test("a closed pod refuses calls", async () => {
    const adder = await pod("adder-wat");
    adder.close();
    expect(() => adder.call("add-floats", context, { x: 1, y: 1 })).toThrow(
      "pod adder-wat-pod is closed",
    );
  });

  test("fuel per call must fit the i32 counter", async () => {
    const component = await host.load(await testComponent("adder-wat"));
    expect(() => component.createPod({ name: "p", fuelPerCall: 2 ** 31 })).toThrow(RangeError);
    expect(() => component.createPod({ name: "p", fuelPerCall: 0 })).toThrow(
      "fuel per call must be an integer from 1 to 2147483647, got 0",
    );
  });

  test("state persists between calls on a reused instance", async () => {
    const counter = await pod("counter");
    expect(counter.call("count", context, { n: 2 })).toEqual({ total: 2n });
    expect(counter.call("count", context, { n: 3 })).toEqual({ total: 5n });
    expect(counter.stats).toEqual({ calls: 2, failures: 0, instancesCreated: 1, idleInstances: 1 });
  });

  test("usage: the linear memory of its instances and the time spent in its code", async () => {
    const counter = await pod("counter");
    const before = counter.usage;
    // Whole 64 KiB pages of the one instance created at pod creation.
    expect(before.memoryBytes).toBeGreaterThan(0);
    expect(before.memoryBytes % 65536).toBe(0);
    for (let i = 0; i < 100; i++) counter.call("count", context, { n: 1 });
    const after = counter.usage;
    expect(after.cpuNanos).toBeGreaterThan(before.cpuNanos);
    expect(after.memoryBytes).toBe(before.memoryBytes);
    counter.close();
    expect(counter.usage.memoryBytes).toBe(0);
  });

  test("a trap fails the call and discards the instance; the next call gets a fresh one", async () => {
    const counter = await pod("counter");
    counter.call("count", context, { n: 7 });
    const failed = failure("trap", () => counter.call("trap", context, { n: 0 }));
    expect(failed.summary).toBe("Function invocation error");
    expect(failed.message).toContain(
      "pod counter-pod, component counter, trap: Function invocation error: RuntimeError: Unreachable",
    );
    expect(counter.call("count", context, { n: 1 })).toEqual({ total: 1n });
    expect(counter.stats).toMatchObject({ failures: 1, instancesCreated: 2 });
  });

  test("a thrown error (a request of the wrong shape) fails the call, not the host", async () => {
    const counter = await pod("counter");
    const failed = failure("error", () => counter.call("count", context, null));
    expect(failed.summary).toBe("Function invocation error");
    expect(failed.cause).toBeInstanceOf(TypeError);
    expect(counter.call("count", context, { n: 1 })).toEqual({ total: 1n });
  });

  test("exit ends the call with an exit failure; its output is kept", async () => {
    const logger = await pod("logger");
    const failed = failure("exit", () => logger.call("quit", context, { n: 3 }));
    expect(failed.message).toContain("the component called exit with status 1");
    expect(linesOf("logger-pod")).toContainEqual({ stream: "stdout", line: "exiting with 3" });
    expect(logger.call("log-lines", context, { stdoutText: "", stderrText: "" })).toEqual({
      total: 0n,
    });
  });

  test("blocking on a timer is denied: the host's thread serves every pod", async () => {
    const logger = await pod("logger");
    const failed = failure("denied", () => logger.call("nap", context, { n: 100 }));
    expect(failed.message).toContain("a call may not block");
  });

  test("a log sink that calls the pod again gets a second instance: calls never share one", async () => {
    let reentered: unknown;
    const reentrant = new ComponentHost({
      cacheDir,
      maxIdleInstances: 2,
      log: (line) => {
        if (line.line === "outer") {
          reentered = logger.call("log-lines", context, { stdoutText: "inner\n", stderrText: "" });
        }
      },
    });
    const logger = await pod("logger", { on: reentrant });
    logger.call("log-lines", context, { stdoutText: "outer\n", stderrText: "" });
    expect(reentered).toEqual({ total: 6n });
    expect(logger.stats).toMatchObject({ instancesCreated: 2, idleInstances: 2 });
  });
});

describe("env echo", () => {
  test("wasi:cli/environment gives each pod its own environment", async () => {
    const first = await pod("env-echo", { env: [["GREETING", "hello"]] });
    const second = await pod("env-echo", { env: [["GREETING", "hej"]] });
    expect(first.call("echo-env", context, { name: "GREETING" })).toEqual({ value: "hello" });
    expect(second.call("echo-env", context, { name: "GREETING" })).toEqual({ value: "hej" });
    expect(first.call("echo-env", context, { name: "HOME" })).toEqual({ value: "" });
  });
});

describe("logger", () => {
  test("stdout and stderr lines reach the pod log, tagged with pod and component", async () => {
    const logger = await pod("logger");
    const before = logs.length;
    logger.call("log-lines", context, { stdoutText: "one\r\ntwo\npartial", stderrText: "oops\n" });
    expect(logs.slice(before)).toEqual([
      { pod: "logger-pod", component: "logger", stream: "stdout", line: "one" },
      { pod: "logger-pod", component: "logger", stream: "stdout", line: "two" },
      { pod: "logger-pod", component: "logger", stream: "stderr", line: "oops" },
      // A line left without its newline is emitted when the call ends.
      { pod: "logger-pod", component: "logger", stream: "stdout", line: "partial" },
    ]);
  });
});

describe("escaper", () => {
  test.each(["/etc/passwd", "/", "."])(
    "opening %s through wasi:filesystem is denied",
    async (path) => {
      const escaper = await pod("escaper");
      const { outcome } = escaper.call("escape", context, { path }) as { outcome: string };
      expect(outcome).toStartWith("denied: ");
    },
  );
});

describe("spinner", () => {
  test("a spin fails on its budget; another pod's calls made during the spin succeed", async () => {
    // ~0.3 s of spinning: ample time for the other thread to send its calls meanwhile.
    const budgeted = new ComponentHost({ cacheDir, log: () => {}, fuelPerCall: 300_000_000 });
    const spinner = await pod("spinner", { on: budgeted });
    const adder = await pod("adder-wat", { on: budgeted });
    // [0]: the spin has started; [1]: it has ended.
    const state = new Int32Array(new SharedArrayBuffer(8));
    const clients = new Worker(join(import.meta.dir, "testdata", "caller-worker.ts"));
    let spin: CallFailure | undefined;
    const served: { call: number; spinEnded: boolean; response: unknown }[] = [];
    try {
      await new Promise<void>((resolve) => {
        clients.onmessage = (
          event: MessageEvent<"armed" | { call: number; spinEnded: boolean }>,
        ) => {
          if (event.data === "armed") {
            Atomics.store(state, 0, 1);
            Atomics.notify(state, 0);
            spin = failure("budget", () => spinner.call("spin", context, { n: 0 }));
            Atomics.store(state, 1, 1);
            return;
          }
          // Calls are synchronous: those sent during the spin waited, bounded by its budget.
          const { call, spinEnded } = event.data;
          const response = adder.call("add-floats", context, { x: call, y: 1 });
          served.push({ call, spinEnded, response });
          if (served.length === 5) resolve();
        };
        clients.postMessage({ state, count: 5 });
      });
    } finally {
      clients.terminate();
    }
    expect(spin?.summary).toBe("CPU budget exhausted");
    expect(served).toEqual(
      [0, 1, 2, 3, 4].map((call) => ({ call, spinEnded: false, response: { result: call + 1 } })),
    );
    // The spinning pod keeps serving bounded work.
    expect(spinner.call("crunch", context, { n: 1000 })).toHaveProperty("total");
  });
});

describe("memory grower", () => {
  test("growth past the cap fails the call; host memory stays bounded over many calls", async () => {
    const capped = new ComponentHost({ cacheDir, log: () => {}, memoryBytes: 32 * 2 ** 20 });
    const grower = await pod("grower", { on: capped });
    const failed = failure("memory", () => grower.call("grow", context, { n: 16 }));
    expect(failed.summary).toBe("Memory limit exceeded");
    expect(failed.message).toContain("memory growth past the 33554432-byte cap was refused");
    const rssBefore = process.memoryUsage().rss;
    // 100 calls each fill 32 MiB: 3.2 GiB if discarded instances' memory were kept.
    for (let i = 0; i < 100; i++) failure("memory", () => grower.call("grow", context, { n: 16 }));
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 2 ** 20);
  });
});
