// The dev gateway: one port for every domain, h2c gRPC and HTTP/1.1 JSON (sniffed by the first
// bytes, as the data plane does). Each call is routed by the current RoutingTable and forwarded
// over HTTP/2 to the chosen version's data-plane server, which does the real work: the gateway
// decodes nothing. The table is read once per call, so a swap is one assignment.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import http2 from "node:http2";
import net from "node:net";
import {
  httpStatusOf,
  REFLECTION_PATHS,
  ReflectionIndex,
  Status,
  type StatusCode,
  serveReflection,
  statusNames,
} from "../../runtime/dataplane/index.ts";
import type { RoutingTable } from "./routing.ts";
import type { LiveVersion } from "./version.ts";

export interface RequestLine {
  protocol: "grpc" | "http";
  host: string;
  path: string;
  /** The version that answered; absent when none was chosen. */
  version?: string;
  /** gRPC status name, or the HTTP status for JSON calls. */
  status: string;
  ms: number;
}

export interface GatewayOptions {
  host: string;
  port: number;
  table(): RoutingTable;
  onRequest(line: RequestLine): void;
}

export interface Gateway {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Headers that belong to one HTTP hop (RFC 9113 §8.2.2) and are not forwarded. */
const HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
  "http2-settings",
]);

const HTTP2_PREFACE = "PRI";

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const h2 = http2.createServer();
  h2.on("stream", (stream: http2.ServerHttp2Stream, headers) => {
    if (REFLECTION_PATHS.has(headers[":path"] ?? "")) reflect(options, stream, headers);
    else forwardHttp2(options, stream, headers);
  });
  h2.on("sessionError", () => {});
  const h1 = http.createServer((req, res) => forwardHttp1(options, req, res));
  h1.on("clientError", (_error, socket) => socket.destroy());
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    handOff(socket, h2, h1);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === "EADDRINUSE"
          ? ` (another process is listening there: choose another port with --port, or --port 0 for a free one)`
          : "";
      reject(
        new Error(`cannot listen on ${options.host}:${options.port}: ${error.message}${hint}`),
      );
    });
    listener.listen({ host: options.host, port: options.port, exclusive: true }, resolve);
  });
  const bound = listener.address() as net.AddressInfo;
  return {
    host: bound.address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        listener.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Reflection indexes by routing table and domain: built once per table, on first use. */
const reflections = new WeakMap<RoutingTable, Map<string, ReflectionIndex>>();

/**
 * Server reflection for the Domain the request's host names: the services its Servers route,
 * described from the Metadata of a version that serves each, as the Domain's policy allows.
 */
function reflect(
  options: GatewayOptions,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
): void {
  const table = options.table();
  const route = table.domainOf(headers[":authority"] ?? headers.host ?? "");
  const byDomain = reflections.get(table) ?? new Map<string, ReflectionIndex>();
  reflections.set(table, byDomain);
  const id = route?.domain.id ?? "";
  let index = byDomain.get(id);
  if (index === undefined) {
    const metadata = [];
    for (const [service, server] of route?.services ?? []) {
      const live = server.choices.find((choice) => choice.live)?.live;
      if (!live) continue;
      const only = live.metadata.services.filter((s) => s.name === service);
      metadata.push({ services: only });
    }
    index = new ReflectionIndex(metadata, route?.domain.reflection ?? { noneBut: [] });
    byDomain.set(id, index);
  }
  serveReflection(index, stream);
}

/** Reads a connection's first bytes, puts them back, and gives it to the server they name. */
function handOff(socket: net.Socket, h2: http2.Http2Server, h1: http.Server): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const prefix = head.toString("latin1", 0, HTTP2_PREFACE.length);
    if (head.length < HTTP2_PREFACE.length && HTTP2_PREFACE.startsWith(prefix)) return;
    socket.off("data", onData);
    socket.pause();
    socket.unshift(head);
    (prefix === HTTP2_PREFACE ? h2 : h1).emit("connection", socket);
    socket.resume();
  };
  socket.on("data", onData);
}

/** `/<package.Service>/<Method>` → the service; undefined for any other path. */
function serviceOf(path: string): string | undefined {
  const match = /^\/([^/]+)\/[^/?]+(\?.*)?$/.exec(path);
  return match?.[1];
}

function forwardHttp2(
  options: GatewayOptions,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
): void {
  const start = performance.now();
  const authority = headers[":authority"] ?? headers.host ?? "";
  const path = headers[":path"] ?? "";
  const grpc = /^application\/grpc/.test(headers["content-type"] ?? "");
  const line = { protocol: grpc ? "grpc" : "http", host: authority, path } as const;
  stream.on("error", () => {});
  const target = pickVersion(options, authority, path);
  if (!target.ok) {
    const code = target.code;
    options.onRequest({ ...line, status: grpc ? name(code) : String(httpStatusOf(code)), ms: 0 });
    if (grpc) {
      stream.respond(
        {
          ":status": 200,
          "content-type": "application/grpc",
          "grpc-status": code,
          "grpc-message": encodeURIComponent(target.message),
        },
        { endStream: true },
      );
    } else {
      stream.respond({ ":status": httpStatusOf(code), "content-type": "application/json" });
      stream.end(JSON.stringify({ code: name(code), message: target.message }));
    }
    stream.resume();
    return;
  }
  const upstream = target.live.request(forwardable(headers, authority));
  let status = "";
  upstream.on("response", (response, flags) => {
    status = grpc ? String(response["grpc-status"] ?? "") : String(response[":status"]);
    const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    if (stream.destroyed) return;
    stream.respond(
      { ...forwardable(response), ":status": response[":status"] },
      { endStream, waitForTrailers: grpc && !endStream },
    );
  });
  let trailers: http2.OutgoingHttpHeaders = {};
  upstream.on("trailers", (received) => {
    trailers = forwardable(received);
    if (grpc) status = String(received["grpc-status"] ?? status);
  });
  stream.on("wantTrailers", () => stream.sendTrailers(trailers));
  upstream.on("data", (chunk: Buffer) => {
    if (!stream.destroyed) stream.write(chunk);
  });
  upstream.on("end", () => {
    if (!stream.destroyed && stream.headersSent && !stream.writableEnded) stream.end();
  });
  upstream.on("error", (error) => {
    status = grpc ? "UNAVAILABLE" : "502";
    if (stream.destroyed) return;
    if (!stream.headersSent) {
      stream.respond(
        {
          ":status": 200,
          "content-type": "application/grpc",
          "grpc-status": Status.UNAVAILABLE,
          "grpc-message": encodeURIComponent(error.message),
        },
        { endStream: true },
      );
    } else {
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    }
  });
  upstream.on("close", () => {
    options.onRequest({
      ...line,
      version: target.version,
      status: grpc ? grpcName(status) : status,
      ms: performance.now() - start,
    });
  });
  stream.on("close", () => {
    if (!upstream.closed) upstream.close(http2.constants.NGHTTP2_CANCEL);
  });
  stream.pipe(upstream);
}

function forwardHttp1(options: GatewayOptions, req: IncomingMessage, res: ServerResponse): void {
  const start = performance.now();
  const authority = req.headers.host ?? "";
  const path = req.url ?? "/";
  const line = { protocol: "http", host: authority, path } as const;
  req.on("error", () => {});
  res.on("error", () => {});
  if (req.method === "GET" && path === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    return;
  }
  const target = pickVersion(options, authority, path);
  if (!target.ok) {
    const status = httpStatusOf(target.code);
    options.onRequest({ ...line, status: String(status), ms: 0 });
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: name(target.code), message: target.message }));
    req.resume();
    return;
  }
  const headers: http2.OutgoingHttpHeaders = {
    ...forwardable(req.headers, authority),
    ":method": req.method ?? "GET",
    ":path": path,
  };
  const upstream = target.live.request(headers);
  let status = "502";
  upstream.on("response", (response) => {
    status = String(response[":status"]);
    res.writeHead(Number(response[":status"]), forwardable(response) as http.OutgoingHttpHeaders);
  });
  upstream.on("data", (chunk: Buffer) => res.write(chunk));
  upstream.on("end", () => res.end());
  upstream.on("error", (error) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: "UNAVAILABLE", message: error.message }));
  });
  upstream.on("close", () =>
    options.onRequest({ ...line, version: target.version, status, ms: performance.now() - start }),
  );
  res.on("close", () => {
    if (!upstream.closed) upstream.close(http2.constants.NGHTTP2_CANCEL);
  });
  req.pipe(upstream);
}

type Target =
  | { ok: true; live: LiveVersion; version: string }
  | { ok: false; code: StatusCode; message: string };

function pickVersion(options: GatewayOptions, authority: string, path: string): Target {
  const service = serviceOf(path);
  if (service === undefined) {
    return { ok: false, code: Status.NOT_FOUND, message: `no such path ${path}` };
  }
  const resolved = options.table().resolve(authority, service);
  if (resolved.ok) return { ok: true, live: resolved.live, version: resolved.version };
  const code = {
    host: Status.NOT_FOUND,
    service: Status.UNIMPLEMENTED,
    version: Status.UNAVAILABLE,
  }[resolved.reason];
  return { ok: false, code, message: resolved.message };
}

/** Headers minus hop-by-hop ones and pseudo-headers; `:authority` is set when given. */
function forwardable(
  headers: http2.IncomingHttpHeaders | http.IncomingHttpHeaders,
  authority?: string,
): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || HOP_HEADERS.has(key)) continue;
    if (key.startsWith(":") && (authority === undefined || key === ":authority")) continue;
    out[key] = value;
  }
  if (authority !== undefined) out[":authority"] = authority;
  return out;
}

function name(code: StatusCode): string {
  return statusNames[code] ?? String(code);
}

function grpcName(status: string): string {
  const code = Number(status);
  return status !== "" && Number.isInteger(code) ? name(code as StatusCode) : "UNKNOWN";
}
