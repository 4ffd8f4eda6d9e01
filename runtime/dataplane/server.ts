// One pod's server: gRPC (h2c) and HTTP/JSON on one address and port. Each connection's first
// bytes decide its protocol: the HTTP/2 preface starts `PRI` and is served by our own HTTP/2
// layer (h2/), anything else is HTTP/1.1 for a node:http server that never listens itself
// (docs/dataplane.md has the measurements behind one port and behind h2/).
import http from "node:http";
import net from "node:net";
import type { Metadata } from "../../src/metadata/index.ts";
import type { Pod } from "../host/index.ts";
import { Counters, type PodCounters } from "./counters.ts";
import { PodServerError } from "./errors.ts";
import type { DataPlaneLog } from "./events.ts";
import { FloodPenalties } from "./flood-penalties.ts";
import { isGrpcContentType, serveGrpc } from "./grpc.ts";
import { ErrorCode, errorCodeName, H2Connection, type H2Stream, holdUnread } from "./h2/index.ts";
import { createHttpApp, serveHttp1, serveHttp2 } from "./http.ts";
import {
  ConnectionBudget,
  type DataPlaneLimits,
  DEFAULT_LIMITS,
  defaultMaxConnections,
} from "./limits.ts";
import {
  REFLECTION_PATHS,
  ReflectionIndex,
  type ReflectionPolicy,
  serveReflection,
} from "./reflection.ts";
import { RouteTable } from "./routes.ts";
import { MAX_MESSAGE_BYTES, type Serving } from "./serving.ts";

export interface PodServerOptions {
  /** The pod's address, e.g. its IP; IPv6 works. */
  address: string;
  /** 80 in production; 0 picks a free port. */
  port: number;
  /**
   * Serve on this already listening socket (bound to `address`:`port`) instead of binding one:
   * a takeover's, adopted from the previous vimanad. Both processes then accept from one queue,
   * so no connection is refused or lost while they swap.
   */
  listenerFd?: number;
  /** The image's Metadata: every method of every service is routed. */
  metadata: Metadata;
  /** The pod the calls run in. Its owner closes it; stopping the server does not. */
  pod: Pod;
  /** The component's top-level function exports (`Component.exports`). */
  exports: readonly string[];
  log: DataPlaneLog;
  /** One `request` event per call (default true). */
  requestLog?: boolean;
  /** Largest request and response message, in bytes (default 1 MiB, as the original). */
  maxMessageBytes?: number;
  /** Which services gRPC server reflection describes (default: all). */
  reflection?: ReflectionPolicy;
  /** Per-connection and per-pod limits (default DEFAULT_LIMITS). */
  limits?: DataPlaneLimits;
  /** Open connections across every pod of the process (default: a budget of this server's own). */
  connections?: ConnectionBudget;
  /**
   * This pod's open connections, capped at `limits.maxConnectionsPerPod` (default: a count of
   * this server's own). Worker threads serving one pod share one.
   */
  podConnections?: ConnectionBudget;
}

export interface PodServer {
  readonly address: string;
  readonly port: number;
  /** The listening socket's file descriptor, for handing it to the next vimanad. */
  readonly listenerFd: number;
  /** Calls being served now. */
  readonly inFlight: number;
  counters(): PodCounters;
  /**
   * Stops accepting connections (new ones are refused) and new calls, and answers health
   * checks NOT_SERVING. Calls in flight get `graceMs` to finish; then every connection is
   * closed. Resolves once all are closed.
   */
  stop(graceMs?: number): Promise<void>;
}

const HTTP2_PREFACE = "PRI";
/** How long a stopping server waits for a just-accepted connection's first bytes. */
const UNDECIDED_GRACE_MS = 500;
/** At most one warning of each kind (refused, held, failed connections) per pod this often. */
const WARNING_INTERVAL_MS = 10_000;

/**
 * Starts serving a pod. Throws a PodServerError: "metadata" when a method cannot be served
 * (a function the component does not export, ref §5.1), "bind" when the address cannot be
 * listened on.
 */
export async function startPodServer(options: PodServerOptions): Promise<PodServer> {
  const serving = createServing(options);
  const podName = serving.pod;
  const app = createHttpApp(serving);
  const logError = (what: string) => (error: unknown) =>
    serving.log({ kind: "error", pod: podName, message: `${what}: ${messageOf(error)}`, error });

  const limits = options.limits ?? DEFAULT_LIMITS;
  const budget = options.connections ?? new ConnectionBudget(defaultMaxConnections());
  const podBudget = options.podConnections ?? new ConnectionBudget(limits.maxConnectionsPerPod);
  const reflection = new ReflectionIndex([options.metadata], options.reflection ?? {});
  // Streams past the advertised limit are refused (REFUSED_STREAM), and a client that keeps
  // opening them gets GOAWAY ENHANCE_YOUR_CALM; so do CONTINUATION and reset floods (h2/).
  const sessions = new Set<H2Connection>();
  // One warning of each kind per pod per interval: an attack must not flood the log.
  const lastWarned = new Map<string, number>();
  const warn = (kind: string, message: string) => {
    const now = performance.now();
    if (now - (lastWarned.get(kind) ?? -Infinity) < WARNING_INTERVAL_MS) return;
    lastWarned.set(kind, now);
    serving.log({ kind: "warning", pod: podName, message });
  };
  const penalties = new FloodPenalties(limits.floodStrikes);
  const h2Options = {
    maxConcurrentStreams: limits.maxConcurrentStreams,
    maxHeaderListBytes: limits.maxHeaderBytes,
    // GOAWAY after a quiet spell: calls in flight still finish.
    idleTimeoutMs: limits.idleTimeoutMs,
    onStream(stream: H2Stream) {
      const headers = stream.headers;
      if (REFLECTION_PATHS.has(headers[":path"] ?? "")) serveReflection(reflection, stream);
      else if (isGrpcContentType(headers["content-type"])) serveGrpc(serving, stream, headers);
      else void serveHttp2(app, serving, stream, headers);
    },
    onHandlerError: logError("HTTP/2 stream"),
    floods: limits,
    onConnectionError(socket: net.Socket, code: ErrorCode, message: string) {
      if (code === ErrorCode.ENHANCE_YOUR_CALM) penalties.strike(socket.remoteAddress);
      warn(
        "connection error",
        `HTTP/2 connection from ${socket.remoteAddress} ended with GOAWAY ${errorCodeName(code)}: ${message}`,
      );
    },
  };
  const h2 = (socket: net.Socket, head: Buffer) => {
    const session = new H2Connection(socket, head, h2Options);
    sessions.add(session);
    socket.once("close", () => sessions.delete(session));
    // A connection accepted just before the server stopped: GOAWAY at once, so its client
    // retries its calls elsewhere (on another worker or the next vimanad) instead of failing.
    if (!serving.serving) session.shutdown();
  };
  const h1 = http.createServer({ maxHeaderSize: limits.maxHeaderBytes }, (req, res) => {
    // The next request's head is timed from the end of this response.
    req.socket.setTimeout(0);
    res.once("finish", () => req.socket.setTimeout(limits.headersTimeoutMs));
    void serveHttp1(app, serving, req, res);
  });
  h1.on("clientError", (error: NodeJS.ErrnoException, socket: net.Socket) => {
    if (error.code === "HPE_HEADER_OVERFLOW" && socket.writable) {
      socket.end("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n");
    } else {
      socket.destroy();
    }
  });

  const connections = new Connections();
  const refuse = (socket: net.Socket, why: string) => {
    socket.destroy();
    warn("refusal", `Refusing connections: ${why}`);
  };
  const listener = net.createServer((socket) => {
    socket.on("error", () => {});
    if (!podBudget.take()) {
      return refuse(socket, `the pod has ${podBudget.open} open, its limit`);
    }
    if (!budget.take()) {
      podBudget.give();
      return refuse(socket, `vimanad has ${budget.open} pod connections open, its limit`);
    }
    connections.add(socket);
    socket.once("close", () => {
      budget.give();
      podBudget.give();
    });
    if (penalties.penalized(socket.remoteAddress)) {
      holdUnread(socket, limits.floodHoldMs);
      warn(
        "hold",
        `Holding connections from ${socket.remoteAddress} unread for ${limits.floodHoldMs} ms: more than ${limits.floodStrikes} of its connections ended in GOAWAY ENHANCE_YOUR_CALM (a flood)`,
      );
      return;
    }
    handOff(socket, connections, h2, h1, limits.headersTimeoutMs);
  });
  await listen(listener, options, podName);
  const bound = listener.address() as net.AddressInfo;
  const listenerFd = fdOf(listener, podName);

  let stopped: Promise<void> | undefined;
  return {
    address: bound.address,
    port: bound.port,
    listenerFd,
    get inFlight() {
      return serving.inFlight;
    },
    counters: () => serving.counters.snapshot(),
    stop(graceMs = 10_000) {
      stopped ??= drain(serving, listener, connections, sessions, h1, graceMs);
      return stopped;
    },
  };
}

/**
 * What one pod's server shares between protocols: its routes (compiled here, so a method the
 * component cannot serve fails now), counters and settings.
 */
export function createServing(options: PodServerOptions): Serving {
  const podName = options.pod.name;
  const serving: Serving = {
    pod: podName,
    routes: new RouteTable({
      podName,
      metadata: options.metadata,
      pod: options.pod,
      exports: options.exports,
      isServing: () => serving.serving,
    }),
    counters: new Counters(),
    log: options.log,
    requestLog: options.requestLog ?? true,
    maxMessageBytes: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
    serving: true,
    inFlight: 0,
  };
  return serving;
}

/**
 * Reads a connection's first bytes and gives it to the server they name: HTTP/2 is given them
 * directly, node:http gets them put back.
 */
function handOff(
  socket: net.Socket,
  connections: Connections,
  h2: (socket: net.Socket, head: Buffer) => void,
  h1: http.Server,
  headersTimeoutMs: number,
): void {
  let head: Buffer = Buffer.alloc(0);
  // Until the first bytes, and for HTTP/1.1 until each request head is complete.
  socket.setTimeout(headersTimeoutMs, () => socket.destroy());
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const prefix = head.toString("latin1", 0, HTTP2_PREFACE.length);
    if (head.length < HTTP2_PREFACE.length && HTTP2_PREFACE.startsWith(prefix)) return;
    socket.off("data", onData);
    connections.decided(socket);
    if (prefix === HTTP2_PREFACE) {
      // HTTP/2 connections time out on their own (idle).
      socket.setTimeout(0);
      h2(socket, head);
      return;
    }
    // An HTTP/1.1 head keeps the timer running.
    socket.pause();
    socket.unshift(head);
    h1.emit("connection", socket);
    socket.resume();
  };
  socket.on("data", onData);
}

function listen(listener: net.Server, options: PodServerOptions, podName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(
        new PodServerError(
          "bind",
          podName,
          `cannot listen on ${hostPort(options.address, options.port)}: ${error.message}`,
          { cause: error, code: error.code },
        ),
      );
    };
    listener.once("error", failed);
    const where =
      options.listenerFd === undefined
        ? { host: options.address, port: options.port, exclusive: true }
        : { fd: options.listenerFd };
    listener.listen(where, () => {
      listener.off("error", failed);
      resolve();
    });
  });
}

async function drain(
  serving: Serving,
  listener: net.Server,
  connections: Connections,
  sessions: Set<H2Connection>,
  h1: http.Server,
  graceMs: number,
): Promise<void> {
  serving.serving = false;
  listener.close();
  // Connections accepted a moment ago get a short while to say which protocol they speak, and
  // then a GOAWAY or a `connection: close` like the others: dropping them outright failed the
  // calls of a client that reconnected while another worker was already draining.
  const undecided = setTimeout(
    () => connections.dropUndecided(),
    Math.min(UNDECIDED_GRACE_MS, graceMs),
  );
  // GOAWAY: calls already on the connection finish; the client opens no new ones here.
  for (const session of sessions) session.shutdown();
  // Idle keep-alive connections close now, busy ones after their response (http.ts adds
  // `connection: close` once the pod stops serving).
  h1.closeIdleConnections();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const graceOver = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([connections.closed(), graceOver]);
  clearTimeout(timer);
  clearTimeout(undecided);
  connections.destroyAll();
  await connections.closed();
}

/** A server's open connections, so that stopping can wait for them to close. */
class Connections {
  readonly #open = new Set<net.Socket>();

  /** Connections whose first bytes have not come yet: nothing of theirs is in flight. */
  readonly #undecided = new Set<net.Socket>();
  #waiting: (() => void)[] = [];

  add(socket: net.Socket): void {
    this.#open.add(socket);
    this.#undecided.add(socket);
    socket.on("close", () => {
      this.#open.delete(socket);
      this.#undecided.delete(socket);
      if (this.#open.size === 0) {
        for (const resolve of this.#waiting) resolve();
        this.#waiting = [];
      }
    });
  }

  decided(socket: net.Socket): void {
    this.#undecided.delete(socket);
  }

  dropUndecided(): void {
    for (const socket of this.#undecided) socket.destroy();
  }

  destroyAll(): void {
    for (const socket of this.#open) socket.destroy();
  }

  /** Resolves once no connection is open. */
  closed(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

/**
 * The listener's descriptor. Neither node:net nor Bun documents one; Bun's listening handle
 * carries it as `fd` (checked here, so a Bun that drops it fails loudly, not silently).
 */
function fdOf(listener: net.Server, podName: string): number {
  const fd = (listener as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) {
    listener.close();
    throw new PodServerError("bind", podName, "the listening socket has no file descriptor");
  }
  return fd;
}

function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
