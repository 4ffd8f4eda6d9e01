// What the main thread and a worker say to each other. Every request carries an id; the worker
// answers each with one reply. Logs flow from the worker unasked.
import type { DataPlaneLimits, PodCounters } from "../dataplane/index.ts";
import type { LogLine } from "../host/index.ts";

/** The cells threads share for one pod: its connection count and each worker's usage. */
export interface PodCells {
  /** One Int32: the pod's open connections across every worker. */
  connections: SharedArrayBuffer;
  /** Two Float64 per worker: linear memory bytes, CPU nanoseconds. */
  usage: SharedArrayBuffer;
  /** One Int32: the pod's calls running now across every worker (docs/vimanad.md, "Fair CPU"). */
  calls: SharedArrayBuffer;
}

export interface PrepareRequest {
  type: "prepare";
  id: number;
  /** The pool's handle for this pod; names it in every later message. */
  pod: number;
  /** The pod's name, as logs and failures show it. */
  name: string;
  /** The component's name (`formatComponentName`). */
  component: string;
  componentBytes: Uint8Array;
  metadataBytes: Uint8Array;
  env: [string, string][];
  /** The vimana.host/grpc-reflection annotation, if the pod has one. */
  reflection?: string;
  cells: PodCells;
  /** How many workers may run the pod's calls at once; below the pool's size, others refuse. */
  maxWorkers: number;
}

export interface ServeRequest {
  type: "serve";
  id: number;
  pod: number;
  address: string;
  port: number;
  /** This worker's own descriptor for the pod's listening socket; absent: bind one. */
  listenerFd?: number;
}

export interface StopRequest {
  type: "stop";
  id: number;
  pod: number;
  graceMs: number;
}

export interface CloseRequest {
  type: "close";
  id: number;
  pod: number;
}

export interface CountersRequest {
  type: "counters";
  id: number;
  pod: number;
}

export type ToWorker = PrepareRequest | ServeRequest | StopRequest | CloseRequest | CountersRequest;

/** The first message a worker gets: what every pod it serves shares. */
export interface WorkerSetup {
  type: "setup";
  /** This worker's number, 0-based: its usage cells and its name in failures. */
  index: number;
  /** The pool's size. */
  workers: number;
  cacheDir: string;
  limits: DataPlaneLimits;
  /** The process-wide connection count (one Int32) and its cap. */
  connections: { cell: SharedArrayBuffer; max: number };
  /** This worker's call counters (`CALL_CELLS_BYTES`), which `LongCallWatch` reads. */
  calls: SharedArrayBuffer;
}

export type Reply =
  | { type: "reply"; id: number; ok: true; value?: unknown }
  | { type: "reply"; id: number; ok: false; message: string };

/** What `prepare` answers: the top-level exports the routes were compiled against. */
export interface Prepared {
  exports: string[];
}

/** What `serve` answers. */
export interface Served {
  address: string;
  port: number;
  listenerFd: number;
}

export type CountersReply = PodCounters;

export type FromWorker =
  | Reply
  /** `tid`: the worker's kernel thread id, whose priority `LongCallWatch` lowers. */
  | { type: "ready"; tid: number }
  | { type: "line"; line: LogLine }
  | { type: "event"; pod: number; level: "warning" | "error"; message: string };
