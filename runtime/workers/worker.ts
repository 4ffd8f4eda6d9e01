// A worker thread of vimanad: its own instances of every pod, and its own server per pod on the
// listening socket all workers share. The main thread keeps CRI; nothing here can hold it up.
import { decodeMetadata, type Metadata } from "../../src/metadata/index.ts";
import {
  ConnectionBudget,
  type PodServer,
  parseReflectionPolicy,
  type ReflectionPolicy,
  startPodServer,
} from "../dataplane/index.ts";
import { type Component, ComponentHost, type Pod } from "../host/index.ts";
import { countCalls, threadId } from "./long-calls.ts";
import type {
  FromWorker,
  PodCells,
  Prepared,
  PrepareRequest,
  Served,
  ServeRequest,
  ToWorker,
  WorkerSetup,
} from "./messages.ts";
import { shareCalls } from "./share.ts";

declare const self: Worker;

interface WorkerPod {
  name: string;
  loaded: Component;
  hostPod: Pod;
  metadata: Metadata;
  reflection?: ReflectionPolicy;
  cells: PodCells;
  /** This worker's two cells of `cells.usage`. */
  usage: Float64Array;
  server?: PodServer;
}

let setup: WorkerSetup | undefined;
let host: ComponentHost | undefined;
let connections: ConnectionBudget | undefined;
const pods = new Map<number, WorkerPod>();

const send = (message: FromWorker) => postMessage(message);

self.onmessage = (event: MessageEvent<WorkerSetup | ToWorker>) => {
  const message = event.data;
  if (message.type === "setup") {
    setup = message;
    connections = new ConnectionBudget(
      message.connections.max,
      new Int32Array(message.connections.cell),
    );
    host = new ComponentHost({
      cacheDir: message.cacheDir,
      log: (line) => send({ type: "line", line }),
    });
    send({ type: "ready", tid: threadId() });
    return;
  }
  handle(message).then(
    (value) => send({ type: "reply", id: message.id, ok: true, value }),
    (error: unknown) =>
      send({
        type: "reply",
        id: message.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      }),
  );
};

async function handle(message: ToWorker): Promise<unknown> {
  if (message.type === "prepare") return prepare(message);
  const pod = pods.get(message.pod);
  // A pod that failed to load on another worker is closed on all: here it may never have been.
  if (pod === undefined && message.type === "close") return undefined;
  if (pod === undefined) throw new Error(`worker has no pod #${message.pod}`);
  switch (message.type) {
    case "serve":
      return serve(message.pod, pod, message);
    case "stop":
      await pod.server?.stop(message.graceMs);
      return undefined;
    case "close":
      pod.hostPod.close();
      publishUsage(pod);
      pods.delete(message.pod);
      return undefined;
    case "counters":
      return pod.server?.counters();
  }
}

async function prepare(message: PrepareRequest): Promise<Prepared> {
  if (host === undefined) throw new Error("worker not set up");
  const loaded = await host.load(message.componentBytes, { name: message.component });
  const metadata = decodeMetadata(message.metadataBytes);
  const index = setup?.index ?? 0;
  const pod: Partial<WorkerPod> = {
    name: message.name,
    loaded,
    metadata,
    cells: message.cells,
    usage: new Float64Array(message.cells.usage, index * 16, 2),
  };
  if (message.reflection !== undefined) pod.reflection = parseReflectionPolicy(message.reflection);
  pod.hostPod = loaded.createPod({
    name: message.name,
    env: message.env,
    afterCall: () => publishUsage(pod as WorkerPod),
  });
  // Only a pod with less than every worker needs counting: the others cannot exceed their share.
  if (message.maxWorkers < (setup?.workers ?? 1)) {
    shareCalls(pod.hostPod, new Int32Array(message.cells.calls), message.maxWorkers, message.name);
  }
  if (setup !== undefined) countCalls(pod.hostPod, new Int32Array(setup.calls));
  publishUsage(pod as WorkerPod);
  pods.set(message.pod, pod as WorkerPod);
  return { exports: [...loaded.exports] };
}

async function serve(handle: number, pod: WorkerPod, message: ServeRequest): Promise<Served> {
  if (setup === undefined || connections === undefined) throw new Error("worker not set up");
  const limits = setup.limits;
  pod.server = await startPodServer({
    address: message.address,
    port: message.port,
    ...(message.listenerFd !== undefined && { listenerFd: message.listenerFd }),
    metadata: pod.metadata,
    ...(pod.reflection && { reflection: pod.reflection }),
    pod: pod.hostPod,
    exports: pod.loaded.exports,
    limits,
    connections,
    podConnections: new ConnectionBudget(
      limits.maxConnectionsPerPod,
      new Int32Array(pod.cells.connections),
    ),
    // One line per call would dominate the log at any real rate; failures are logged.
    requestLog: false,
    log: (event) => {
      if (event.kind === "warning" || event.kind === "error") {
        send({ type: "event", pod: handle, level: event.kind, message: event.message });
      }
    },
  });
  return { address: pod.server.address, port: pod.server.port, listenerFd: pod.server.listenerFd };
}

/** This worker's usage of the pod, where CRI stats on the main thread read it. */
function publishUsage(pod: WorkerPod): void {
  const usage = pod.hostPod.usage;
  pod.usage[0] = usage.memoryBytes;
  pod.usage[1] = Number(usage.cpuNanos);
}
