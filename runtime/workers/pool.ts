// The worker threads that serve pods, and each pod as the main thread sees it: one object over
// its instances and servers in every worker. docs/vimanad.md, "Workers", has the design.
import type { ConnectionBudget, DataPlaneLimits, PodCounters } from "../dataplane/index.ts";
import type { LogSink } from "../host/index.ts";
import { closeFd, duplicateFd } from "./fds.ts";
import { CALL_CELLS_BYTES, LongCallWatch } from "./long-calls.ts";
import type { FromWorker, PodCells, Prepared, Served, ToWorker, WorkerSetup } from "./messages.ts";

export interface WorkerPoolOptions {
  /** Worker threads, at least 1. */
  count: number;
  /** The transpiled-component cache every worker reads and fills. */
  cacheDir: string;
  limits: DataPlaneLimits;
  /** Open pod connections across the process: its count is shared with every worker. */
  connections: ConnectionBudget;
  /** Component output (stdout, stderr lines) from every worker. */
  log: LogSink;
  /** A worker died: its pods no longer serve there. */
  onCrash: (message: string) => void;
  /** Something the pool cannot do here but serves on without (default: ignored). */
  warn?: (message: string) => void;
  /**
   * The worker entry point's URL (default: worker.ts beside this module). A compiled vimanad
   * must give its own: there, every module's `import.meta.url` is the executable's, and the
   * worker sits under the path of worker.ts relative to main.ts (scripts/build.ts).
   */
  entry?: string;
}

const DEFAULT_ENTRY = new URL("./worker.ts", import.meta.url).href;

export interface PoolPodOptions {
  /** The pod's name (`formatPodName`). */
  name: string;
  /** The component's name (`formatComponentName`). */
  component: string;
  componentBytes: Uint8Array;
  metadataBytes: Uint8Array;
  env: [string, string][];
  /** The pod's vimana.host/grpc-reflection annotation, already checked by the caller. */
  reflection?: string;
  /** How many workers may run the pod's calls at once (`workerShare`); absent: all. */
  maxWorkers?: number;
  /** The data plane's warnings and errors for this pod, from any worker. */
  log: (level: "warning" | "error", message: string) => void;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
/** A request to a worker without its id (which the thread adds), for each kind of request. */
type Request = ToWorker extends infer T ? (T extends ToWorker ? Omit<T, "id"> : never) : never;

/** One worker thread and its requests awaiting a reply. */
class WorkerThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(
    readonly index: number,
    entry: string,
    onMessage: (message: FromWorker) => void,
    onCrash: (message: string) => void,
  ) {
    this.#worker = new Worker(entry);
    this.#worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type !== "reply") return onMessage(message);
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.ok) pending?.resolve(message.value);
      else pending?.reject(new Error(message.message));
    };
    this.#worker.onerror = (event) => {
      const message = `worker ${index + 1} failed: ${event.message}`;
      for (const pending of this.#pending.values()) pending.reject(new Error(message));
      this.#pending.clear();
      onCrash(message);
    };
  }

  post(message: WorkerSetup): void {
    this.#worker.postMessage(message);
  }

  request<T>(message: Request): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ ...message, id });
    });
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

export class WorkerPool {
  readonly #threads: WorkerThread[];
  readonly #options: WorkerPoolOptions;
  readonly #pods = new Map<number, PoolPodOptions>();
  readonly #longCalls: LongCallWatch | undefined;
  #nextPod = 1;

  private constructor(
    threads: WorkerThread[],
    options: WorkerPoolOptions,
    longCalls: LongCallWatch | undefined,
  ) {
    this.#threads = threads;
    this.#options = options;
    this.#longCalls = longCalls;
  }

  /** Starts `count` workers; resolves once each is ready for pods. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    if (!Number.isInteger(options.count) || options.count < 1) {
      throw new RangeError(`a worker pool needs at least one worker, got ${options.count}`);
    }
    const ready: Promise<void>[] = [];
    let pool: WorkerPool | undefined;
    const watch = LongCallWatch.start();
    const longCalls = watch instanceof LongCallWatch ? watch : undefined;
    if (!(watch instanceof LongCallWatch)) {
      options.warn?.(`Long component calls keep their worker's priority: ${watch.unavailable}`);
    }
    const threads = Array.from({ length: options.count }, (_, index) => {
      let started: () => void = () => {};
      ready.push(new Promise<void>((resolve) => (started = resolve)));
      const calls = new SharedArrayBuffer(CALL_CELLS_BYTES);
      const thread = new WorkerThread(
        index,
        options.entry ?? DEFAULT_ENTRY,
        (message) => {
          if (message.type === "ready") {
            longCalls?.watch(message.tid, new Int32Array(calls));
            started();
          } else pool?.onMessage(message);
        },
        options.onCrash,
      );
      thread.post({
        type: "setup",
        index,
        workers: options.count,
        cacheDir: options.cacheDir,
        limits: limitsOf(options.limits),
        connections: {
          cell: options.connections.cell.buffer as SharedArrayBuffer,
          max: options.connections.max,
        },
        calls,
      });
      return thread;
    });
    pool = new WorkerPool(threads, options, longCalls);
    await Promise.all(ready);
    return pool;
  }

  get size(): number {
    return this.#threads.length;
  }

  private onMessage(message: FromWorker): void {
    if (message.type === "line") this.#options.log(message.line);
    else if (message.type === "event")
      this.#pods.get(message.pod)?.log(message.level, message.message);
  }

  /**
   * Loads a pod's component and creates its instances in every worker: the first worker first
   * (it fills the transpile cache), then the others at once. A worker that cannot load it fails
   * the whole pod, naming the worker; the others drop theirs.
   */
  async prepare(options: PoolPodOptions): Promise<PoolPod> {
    const handle = this.#nextPod++;
    this.#pods.set(handle, options);
    const cells: PodCells = {
      connections: new SharedArrayBuffer(4),
      usage: new SharedArrayBuffer(16 * this.size),
      calls: new SharedArrayBuffer(4),
    };
    const request = {
      type: "prepare" as const,
      pod: handle,
      name: options.name,
      component: options.component,
      componentBytes: options.componentBytes,
      metadataBytes: options.metadataBytes,
      env: options.env,
      ...(options.reflection !== undefined && { reflection: options.reflection }),
      cells,
      maxWorkers: Math.min(options.maxWorkers ?? this.size, this.size),
    };
    const [first, ...rest] = this.#threads as [WorkerThread, ...WorkerThread[]];
    let prepared: Prepared;
    try {
      prepared = await first.request<Prepared>(request);
    } catch (error) {
      this.#pods.delete(handle);
      throw this.#failureOf(first, error);
    }
    const results = await Promise.allSettled(rest.map((thread) => thread.request(request)));
    const failed = results.findIndex((result) => result.status === "rejected");
    const pod = new PoolPod(this, handle, cells, prepared.exports);
    if (failed >= 0) {
      pod.close();
      throw this.#failureOf(
        rest[failed] as WorkerThread,
        (results[failed] as PromiseRejectedResult).reason,
      );
    }
    return pod;
  }

  /** The message of a worker's failure, naming the worker when there are several. */
  #failureOf(thread: WorkerThread, error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error);
    if (this.size === 1) return new Error(message);
    return new Error(`${message} (worker ${thread.index + 1} of ${this.size})`);
  }

  /** Sends one request to every worker; rejects with the first failure, naming its worker. */
  async all<T>(message: Request): Promise<T[]> {
    const results = await Promise.allSettled(
      this.#threads.map((thread) => thread.request<T>(message)),
    );
    const failed = results.findIndex((result) => result.status === "rejected");
    if (failed >= 0) {
      throw this.#failureOf(
        this.#threads[failed] as WorkerThread,
        (results[failed] as PromiseRejectedResult).reason,
      );
    }
    return results.map((result) => (result as PromiseFulfilledResult<T>).value);
  }

  /** One request to worker `index`. */
  one<T>(index: number, message: Request): Promise<T> {
    return (this.#threads[index] as WorkerThread).request<T>(message);
  }

  forget(handle: number): void {
    this.#pods.delete(handle);
  }

  /** Ends every worker at once (pods should be stopped first). */
  terminate(): void {
    this.#longCalls?.stop();
    for (const thread of this.#threads) thread.terminate();
  }
}

/** What serving a pod across the workers gives back. */
export interface PoolServing {
  readonly address: string;
  readonly port: number;
  /** The main thread's descriptor of the socket every worker accepts from: a takeover's. */
  readonly listenerFd: number;
  /** Every worker drains: stops accepting, and calls in flight get `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/** One pod across every worker of a pool. */
export class PoolPod {
  readonly #pool: WorkerPool;
  readonly #handle: number;
  readonly #usage: Float64Array;
  #closed = false;

  constructor(
    pool: WorkerPool,
    handle: number,
    cells: PodCells,
    /** The component's top-level function exports. */
    readonly exports: readonly string[],
  ) {
    this.#pool = pool;
    this.#handle = handle;
    this.#usage = new Float64Array(cells.usage);
  }

  /**
   * Serves on `address`:`port` from every worker, all accepting from one listening socket: the
   * one at `listenerFd` (adopted in a takeover), or one the first worker binds. The main thread
   * keeps its own descriptor of it, for the next takeover; each worker gets a copy.
   */
  async serve(address: string, port: number, listenerFd?: number): Promise<PoolServing> {
    const handle = this.#handle;
    let main = listenerFd;
    /** Each worker's copy, by worker: closed here if its worker never listened on it. */
    const copies = new Map<number, number>();
    const started: number[] = [];
    try {
      let bound: Served | undefined;
      if (main === undefined) {
        bound = await this.#pool.one<Served>(0, { type: "serve", pod: handle, address, port });
        started.push(0);
        main = duplicateFd(bound.listenerFd);
      }
      const rest = Array.from({ length: this.#pool.size }, (_, i) => i).filter(
        (index) => !started.includes(index),
      );
      const results = await Promise.allSettled(
        rest.map((index) => {
          const fd = duplicateFd(main as number);
          copies.set(index, fd);
          return this.#pool
            .one<Served>(index, { type: "serve", pod: handle, address, port, listenerFd: fd })
            .then((served) => {
              started.push(index);
              return served;
            });
        }),
      );
      const failed = results.find((result) => result.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      bound ??= (results[0] as PromiseFulfilledResult<Served>).value;
      const fd = main;
      return {
        address: bound.address,
        port: bound.port,
        listenerFd: fd,
        stop: async (graceMs) => {
          // The workers' copies close as their drains begin; this one need not wait for them.
          const drained = this.#pool.all({ type: "stop", pod: handle, graceMs });
          closeFd(fd);
          await drained;
        },
      };
    } catch (error) {
      await Promise.allSettled(
        started.map((index) => this.#pool.one(index, { type: "stop", pod: handle, graceMs: 0 })),
      );
      for (const [index, fd] of copies) if (!started.includes(index)) closeFd(fd);
      if (main !== undefined && listenerFd === undefined) closeFd(main);
      throw error;
    }
  }

  /** Frees the pod's instances in every worker. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing fails only with a worker that died, which onCrash has reported.
    const forget = () => this.#pool.forget(this.#handle);
    this.#pool.all({ type: "close", pod: this.#handle }).then(forget, forget);
  }

  /** What the pod costs now, summed over the workers (each publishes after every call). */
  usage(): { memoryBytes: number; cpuNanos: bigint } {
    let memoryBytes = 0;
    let cpuNanos = 0;
    for (let i = 0; i < this.#usage.length; i += 2) {
      memoryBytes += this.#usage[i] as number;
      cpuNanos += this.#usage[i + 1] as number;
    }
    return { memoryBytes, cpuNanos: BigInt(Math.round(cpuNanos)) };
  }

  /** The pod's request counters, summed over the workers. */
  async counters(): Promise<PodCounters> {
    const each = await this.countersByWorker();
    return mergeCounters(each.filter((counters) => counters !== undefined));
  }

  /** Each worker's request counters of the pod (undefined where it does not serve yet). */
  countersByWorker(): Promise<(PodCounters | undefined)[]> {
    return this.#pool.all<PodCounters | undefined>({ type: "counters", pod: this.#handle });
  }
}

/** Only the limits: `limits` may be a whole Config, and only these cross to the workers. */
function limitsOf(limits: DataPlaneLimits): DataPlaneLimits {
  return {
    maxConcurrentStreams: limits.maxConcurrentStreams,
    maxHeaderBytes: limits.maxHeaderBytes,
    headersTimeoutMs: limits.headersTimeoutMs,
    idleTimeoutMs: limits.idleTimeoutMs,
    maxConnectionsPerPod: limits.maxConnectionsPerPod,
    maxContinuationFrames: limits.maxContinuationFrames,
    resetBudget: limits.resetBudget,
    refusalBudget: limits.refusalBudget,
    emptyFrameBudget: limits.emptyFrameBudget,
    floodStrikes: limits.floodStrikes,
    floodHoldMs: limits.floodHoldMs,
  };
}

function mergeCounters(all: PodCounters[]): PodCounters {
  const first = all[0];
  const merged: PodCounters = {
    requests: 0,
    errors: {},
    latency: {
      bounds: first?.latency.bounds ?? [],
      counts: (first?.latency.counts ?? []).map(() => 0),
      sumSeconds: 0,
    },
  };
  for (const counters of all) {
    merged.requests += counters.requests;
    for (const [name, count] of Object.entries(counters.errors)) {
      const key = name as keyof PodCounters["errors"];
      merged.errors[key] = (merged.errors[key] ?? 0) + (count ?? 0);
    }
    counters.latency.counts.forEach((count, i) => {
      merged.latency.counts[i] = (merged.latency.counts[i] ?? 0) + count;
    });
    merged.latency.sumSeconds += counters.latency.sumSeconds;
  }
  return merged;
}
