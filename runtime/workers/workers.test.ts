// The worker pool with two workers, serving real components on loopback: calls spread over both,
// a pod's stop drains it on each, and a runaway call on one worker leaves the other answering.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExamples } from "../../examples/build.ts";
import { builtPath, exampleComponents, metadataPath } from "../../examples/index.ts";
import { buildComponentCached } from "../../src/build/index.ts";
import { encodeMetadata } from "../../src/metadata/index.ts";
import { ConnectionBudget, DEFAULT_LIMITS } from "../dataplane/index.ts";
import {
  addFloatsMessage,
  connect,
  decodeAddFloatsResponse,
  frame,
  rawRequest,
} from "../dataplane/testdata/clients.ts";
import { testerMetadata } from "../dataplane/testdata/pods.ts";
import type { LogLine } from "../host/index.ts";
import { type PoolPod, type PoolServing, WorkerPool, workerShare } from "./index.ts";
import { LONG_CALL_MS } from "./long-calls.ts";

const ADD = "/foo.bar.AdderService/AddFloats";
const SPIN = "/vimana.test.Tester/Spin";
const DOUBLE = "/vimana.test.Tester/Double";
const root = join(import.meta.dir, "..", "..");

let cacheDir: string;
let pool: WorkerPool;
const crashes: string[] = [];
const lines: LogLine[] = [];
const events: string[] = [];
const sessions: http2.ClientHttp2Session[] = [];
const servings: PoolServing[] = [];

async function example(name: string): Promise<{ component: Uint8Array; metadata: Uint8Array }> {
  const found = exampleComponents.find((e) => e.name === name);
  if (!found) throw new Error(`no example ${name}`);
  const [result] = await buildExamples({ only: [name] });
  if (result?.outcome === "failed") throw result.error;
  return {
    component: await Bun.file(builtPath(found)).bytes(),
    metadata: await Bun.file(metadataPath(found)).bytes(),
  };
}

/** The data plane's tester component (Double, Fail, Spin), built for these tests. */
async function tester(): Promise<{ component: Uint8Array; metadata: Uint8Array }> {
  const testdata = join(import.meta.dir, "..", "dataplane", "testdata");
  const out = join(root, "build", "workers-tests", "tester.wasm");
  await mkdir(join(out, ".."), { recursive: true });
  await buildComponentCached(
    {
      language: "wat",
      sources: [join(testdata, "tester.wat")],
      witPath: join(testdata, "tester.wit"),
      world: "tester",
    },
    out,
  );
  return { component: await Bun.file(out).bytes(), metadata: encodeMetadata(testerMetadata) };
}

async function podOf(
  name: string,
  built: { component: Uint8Array; metadata: Uint8Array },
  maxWorkers?: number,
) {
  return pool.prepare({
    name,
    ...(maxWorkers !== undefined && { maxWorkers }),
    component: name,
    componentBytes: built.component,
    metadataBytes: built.metadata,
    env: [],
    log: (level, message) => events.push(`${level}: ${message}`),
  });
}

async function serve(pod: PoolPod): Promise<PoolServing> {
  const serving = await pod.serve("127.0.0.1", 0);
  servings.push(serving);
  return serving;
}

function session(port: number): http2.ClientHttp2Session {
  const opened = connect("127.0.0.1", port);
  sessions.push(opened);
  return opened;
}

async function add(to: http2.ClientHttp2Session, path: string, x: number, y: number) {
  const { response } = rawRequest(to, { path, body: [frame(addFloatsMessage(x, y))] });
  const answer = await response;
  if (answer.grpcStatus !== 0) throw new Error(`${path}: grpc-status ${answer.grpcStatus}`);
  // proto3 leaves a 0 result out of the message.
  return decodeAddFloatsResponse(answer.body.subarray(5)).result ?? 0;
}

async function blob(to: http2.ClientHttp2Session, path: string) {
  const message = Buffer.from([0x0a, 1, 7]);
  return rawRequest(to, { path, body: [frame(message)] }).response;
}

/** Requests each worker has counted for the pod. */
async function perWorker(pod: PoolPod): Promise<number[]> {
  return (await pod.countersByWorker()).map((counters) => counters?.requests ?? 0);
}

/**
 * `perWorker` sessions on each worker, opened one by one (a burst of connections can all go to
 * the worker that wakes first), each placed by the counter its first call raised.
 */
async function sessionsOnEachWorker(
  pod: PoolPod,
  port: number,
  call: (on: http2.ClientHttp2Session) => Promise<unknown>,
  each = 1,
): Promise<http2.ClientHttp2Session[][]> {
  const found: http2.ClientHttp2Session[][] = [[], []];
  for (let attempt = 0; attempt < 100 && found.some((s) => s.length < each); attempt++) {
    const before = await perWorker(pod);
    const opened = session(port);
    await call(opened);
    const after = await perWorker(pod);
    const worker = after.findIndex((count, i) => count > (before[i] ?? 0));
    if ((found[worker] as http2.ClientHttp2Session[]).length < each) found[worker]?.push(opened);
  }
  if (found.some((s) => s.length < each)) throw new Error("100 connections, all on one worker");
  return found;
}

const double = async (on: http2.ClientHttp2Session) =>
  expect((await blob(on, DOUBLE)).grpcStatus).toBe(0);

let adder: { component: Uint8Array; metadata: Uint8Array };
let multiplier: { component: Uint8Array; metadata: Uint8Array };
let spinner: { component: Uint8Array; metadata: Uint8Array };

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "vimana-workers-"));
  [adder, multiplier, spinner] = await Promise.all([
    example("adder-wat"),
    example("multiplier-wat"),
    tester(),
  ]);
  pool = await WorkerPool.start({
    count: 2,
    cacheDir,
    limits: DEFAULT_LIMITS,
    connections: new ConnectionBudget(10_000),
    log: (line) => lines.push(line),
    onCrash: (message) => crashes.push(message),
  });
});

afterAll(async () => {
  for (const opened of sessions) opened.destroy();
  await Promise.all(servings.map((serving) => serving.stop(0)));
  pool?.terminate();
  await rm(cacheDir, { recursive: true, force: true });
});

describe("two workers", () => {
  test("two pods, 200 concurrent calls over both workers: every answer right, counted per pod", async () => {
    const adderPod = await podOf("adder", adder);
    const multiplierPod = await podOf("multiplier", multiplier);
    const adderServing = await serve(adderPod);
    const multiplierServing = await serve(multiplierPod);
    const adderSessions = (
      await sessionsOnEachWorker(adderPod, adderServing.port, (on) => add(on, ADD, 0, 0), 5)
    ).flat();
    const multiplierSessions = (
      await sessionsOnEachWorker(
        multiplierPod,
        multiplierServing.port,
        (on) => add(on, ADD, 0, 0),
        5,
      )
    ).flat();
    const before = [...(await perWorker(adderPod)), ...(await perWorker(multiplierPod))];
    const calls = Array.from({ length: 200 }, async (_, i) => {
      const x = Math.fround(i * 0.5);
      const y = Math.fround(3 - i);
      if (i % 2 === 0) {
        const result = await add(
          adderSessions[(i >> 1) % 10] as http2.ClientHttp2Session,
          ADD,
          x,
          y,
        );
        expect(result).toBe(Math.fround(x + y));
      } else {
        const on = multiplierSessions[(i >> 1) % 10] as http2.ClientHttp2Session;
        expect(await add(on, ADD, x, y)).toBe(Math.fround(x * y));
      }
    });
    await Promise.all(calls);
    const after = [...(await perWorker(adderPod)), ...(await perWorker(multiplierPod))];
    // Each pod's 100 calls: 50 on each worker (5 sessions there, 10 calls each).
    expect(after.map((count, i) => count - (before[i] ?? 0))).toEqual([50, 50, 50, 50]);
    expect((await adderPod.counters()).requests).toBe(100 + (before[0] ?? 0) + (before[1] ?? 0));
    // Usage: each worker's instance memory, and CPU time that grows with calls.
    const usage = adderPod.usage();
    expect(usage.memoryBytes).toBeGreaterThan(0);
    expect(usage.memoryBytes % 65536).toBe(0);
    expect(usage.cpuNanos).toBeGreaterThan(0n);
    expect(crashes).toEqual([]);
  });

  test("a runaway call on one worker does not stall the other's calls", async () => {
    const spinPod = await podOf("spinner", spinner);
    const spinServing = await serve(spinPod);
    const adderPod = await podOf("adder-2", adder);
    const adderServing = await serve(adderPod);
    const onFirst = (await sessionsOnEachWorker(spinPod, spinServing.port, double))[0]?.[0];
    const order: string[] = [];
    // Spins until its fuel is spent (about a second): its worker answers nothing meanwhile.
    const spin = blob(onFirst as http2.ClientHttp2Session, SPIN).then((answer) => {
      order.push("spin answered");
      return answer;
    });
    await Bun.sleep(50);
    // New connections: the spinning worker cannot accept, so the other takes them all.
    const healthy = Array.from({ length: 50 }, async (_, i) => {
      const to = session(adderServing.port);
      expect(await add(to, ADD, i, 1)).toBe(i + 1);
    });
    await Promise.all(healthy);
    order.push("50 healthy calls answered");
    const spun = await spin;
    expect(spun.grpcStatus).toBe(4); // DEADLINE_EXCEEDED: its CPU budget
    expect(order).toEqual(["50 healthy calls answered", "spin answered"]);
  });

  test("a worker in a long call runs at the lowest priority until the call ends", async () => {
    const spinPod = await podOf("spinner-niced", spinner);
    const spinServing = await serve(spinPod);
    const onFirst = (await sessionsOnEachWorker(spinPod, spinServing.port, double))[0]?.[0];
    expect(threadsAtPriority(19)).toEqual([]);
    const spin = blob(onFirst as http2.ClientHttp2Session, SPIN);
    await Bun.sleep(LONG_CALL_MS + 100);
    // Exactly the spinning worker's thread; the other worker and the main thread keep theirs.
    expect(threadsAtPriority(19)).toHaveLength(1);
    expect((await spin).grpcStatus).toBe(4);
    await Bun.sleep(50);
    expect(threadsAtPriority(19)).toEqual([]);
  });

  test("a pod with a share of one worker: its call on the other is refused while one runs, the other pod's calls are answered there", async () => {
    const spinPod = await podOf("spinner-1cpu", spinner, 1);
    const spinServing = await serve(spinPod);
    const adderPod = await podOf("adder-3", adder);
    const adderServing = await serve(adderPod);
    const [onFirst, onSecond] = (await sessionsOnEachWorker(spinPod, spinServing.port, double)).map(
      (found) => found[0] as http2.ClientHttp2Session,
    );
    const adderOnSecond = (
      await sessionsOnEachWorker(adderPod, adderServing.port, (on) => add(on, ADD, 0, 0))
    )[1]?.[0] as http2.ClientHttp2Session;
    const spin = blob(onFirst as http2.ClientHttp2Session, SPIN);
    await Bun.sleep(50);
    const started = performance.now();
    const second = await blob(onSecond as http2.ClientHttp2Session, SPIN);
    expect(second.grpcStatus).toBe(8); // RESOURCE_EXHAUSTED, at once
    expect(performance.now() - started).toBeLessThan(500);
    expect(await add(adderOnSecond, ADD, 2, 3)).toBe(5);
    expect((await spin).grpcStatus).toBe(4);
    // The share is given back when the call ends.
    expect((await blob(onSecond as http2.ClientHttp2Session, DOUBLE)).grpcStatus).toBe(0);
  });

  test("stopping a pod drains it on every worker", async () => {
    const pod = await podOf("drained", spinner);
    const serving = await pod.serve("127.0.0.1", 0);
    const both = (await sessionsOnEachWorker(pod, serving.port, double)).flat();
    // A call in flight on each worker while the pod stops: each is answered, not cut.
    const inFlight = both.map((on) => blob(on, SPIN));
    await Bun.sleep(50);
    await serving.stop(10_000);
    for (const answer of await Promise.all(inFlight)) expect(answer.grpcStatus).toBe(4);
    const refused = await new Promise<string>((resolve) => {
      const probe = connect("127.0.0.1", serving.port);
      probe.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      probe.on("connect", () => resolve("connected"));
    });
    expect(refused).toBe("ECONNREFUSED");
    pod.close();
  });

  test("a component that cannot load fails the pod, naming the worker", async () => {
    const broken = {
      component: new Uint8Array([0, 0x61, 0x73, 0x6d, 9]),
      metadata: adder.metadata,
    };
    await expect(podOf("broken", broken)).rejects.toThrow(/broken.*\(worker 1 of 2\)/);
    // The pool serves on.
    const pod = await podOf("after-broken", adder);
    const serving = await serve(pod);
    expect(await add(session(serving.port), ADD, 1, 2)).toBe(3);
  });
});

test("a pod's share of the workers follows its CPU limit, leaving one worker for the others", () => {
  expect(workerShare(undefined, 4)).toBe(4);
  expect(workerShare(0.25, 4)).toBe(1);
  expect(workerShare(1.5, 4)).toBe(2);
  expect(workerShare(8, 4)).toBe(3);
  expect(workerShare(2, 1)).toBe(1);
});

/** This process's threads at OS priority `nice` (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadsAtPriority(nice: number): number[] {
  return readdirSync(`/proc/${process.pid}/task`)
    .map(Number)
    .filter((tid) => {
      const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]) === nice;
    });
}
