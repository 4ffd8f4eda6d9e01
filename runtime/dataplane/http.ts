// HTTP/JSON beside gRPC, on Hono: `POST /<package.Service>/<Method>` with a protobuf-JSON body
// makes the same call a gRPC request makes; errors are `{ "code": "<gRPC code name>",
// "message": … }` with the HTTP status of the standard gRPC→HTTP mapping. `GET /healthz`
// answers 200 while the pod serves and 503 while it stops.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Context, Hono } from "hono";
import { type ComponentRecord, DecodeError, type JsonObject } from "../../src/codec/index.ts";
import type { H2Stream, RequestHeaders } from "./h2/index.ts";
import type { Route } from "./routes.ts";
import {
  contextOf,
  finish,
  invoke,
  requestTooLarge,
  type Serving,
  serializationFailure,
} from "./serving.ts";
import { GrpcError, httpStatusOf, Status, statusNames } from "./status.ts";

const utf8 = new TextDecoder();

/** The Hono app of one pod. */
export function createHttpApp(serving: Serving): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => (serving.serving ? c.text("ok\n") : c.text("not serving\n", 503)));
  for (const path of serving.routes.paths()) {
    const route = serving.routes.get(path) as Route;
    app.post(path, (c) => callJson(serving, route, c));
    app.all(path, (c) => c.text("Method Not Allowed\n", 405, { allow: "POST" }));
  }
  app.onError((error, c) => {
    serving.log({
      kind: "error",
      pod: serving.pod,
      message: `${c.req.path}: ${messageOf(error)}`,
      error,
    });
    return errorResponse(c, new GrpcError(Status.INTERNAL, "Internal error"));
  });
  app.notFound((c) => {
    // A path shaped like a method is answered as gRPC answers it; anything else is just absent.
    const path = c.req.path;
    if (!/^\/[^/]+\/[^/]+$/.test(path)) {
      return errorResponse(c, new GrpcError(Status.NOT_FOUND, `no such path ${path}`));
    }
    const error = serving.routes.unknown(path);
    serving.inFlight++;
    finish(serving, "http", path, error.code, performance.now());
    return errorResponse(c, error);
  });
  return app;
}

async function callJson(serving: Serving, route: Route, c: Context): Promise<Response> {
  const start = performance.now();
  serving.inFlight++;
  let code: (typeof Status)[keyof typeof Status] = Status.OK;
  try {
    return c.json(await respond(serving, route, c));
  } catch (error) {
    if (!(error instanceof GrpcError)) throw error;
    code = error.code;
    return errorResponse(c, error);
  } finally {
    finish(serving, "http", route.path, code, start);
  }
}

async function respond(serving: Serving, route: Route, c: Context): Promise<JsonObject> {
  const contentType = c.req.header("content-type");
  if (contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new GrpcError(
      Status.INVALID_ARGUMENT,
      `content-type ${JSON.stringify(contentType)} is not application/json`,
    );
  }
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.length > serving.maxMessageBytes) {
    // The adapters cut a long body off past the limit; its declared length says how long.
    const declared = Number(c.req.header("content-length"));
    throw requestTooLarge(Math.max(body.length, declared || 0), serving.maxMessageBytes);
  }
  let request: ComponentRecord;
  try {
    request = route.requestJson.fromJson(JSON.parse(utf8.decode(body)));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new GrpcError(Status.INVALID_ARGUMENT, `Malformed request (): ${error.message}`);
    }
    if (error instanceof DecodeError) throw new GrpcError(Status.INVALID_ARGUMENT, error.message);
    throw error;
  }
  const context = contextOf(serving, route.path, c.req.raw.headers.entries());
  const response = invoke(serving, route, context, request, Number.POSITIVE_INFINITY);
  try {
    return route.responseJson.toJson(response);
  } catch (error) {
    throw serializationFailure(serving, route, error);
  }
}

function errorResponse(c: Context, error: GrpcError): Response {
  return c.json(
    { code: statusNames[error.code], message: error.message },
    httpStatusOf(error.code) as 400,
    error.headers,
  );
}

/** Serves an HTTP/1.1 request (node:http) with the app. */
export async function serveHttp1(
  app: Hono,
  serving: Serving,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const body = await readBody(req, serving.maxMessageBytes);
    const response = await app.fetch(
      new Request(`http://${req.headers.host ?? "pod"}${req.url ?? "/"}`, {
        method: req.method,
        headers: webHeaders(req.headers),
        body: hasBody(req.method) ? body : undefined,
      }),
    );
    const payload = Buffer.from(await response.arrayBuffer());
    const headers = Object.fromEntries(response.headers);
    // A stopping pod closes each connection after its response.
    if (!serving.serving) headers.connection = "close";
    res.writeHead(response.status, headers);
    res.end(payload);
  } catch (error) {
    serving.log({
      kind: "error",
      pod: serving.pod,
      message: `HTTP/1.1 ${req.url}: ${messageOf(error)}`,
      error,
    });
    res.destroy();
  }
}

/** Serves a non-gRPC HTTP/2 request (JSON, `/healthz`) with the same app. */
export async function serveHttp2(
  app: Hono,
  serving: Serving,
  stream: H2Stream,
  headers: RequestHeaders,
): Promise<void> {
  try {
    const body = await readStreamBody(stream, serving.maxMessageBytes);
    // Reset by the client: nobody to answer.
    if (body === undefined) return;
    const method = headers[":method"];
    const response = await app.fetch(
      new Request(`http://${headers[":authority"] ?? "pod"}${headers[":path"] ?? "/"}`, {
        method,
        headers: webHeaders(headers),
        body: hasBody(method) ? body : undefined,
      }),
    );
    const payload = Buffer.from(await response.arrayBuffer());
    if (stream.destroyed) return;
    stream.respond({ ":status": response.status, ...Object.fromEntries(response.headers) });
    stream.end(payload);
  } catch (error) {
    serving.log({
      kind: "error",
      pod: serving.pod,
      message: `HTTP/2 ${headers[":path"]}: ${messageOf(error)}`,
      error,
    });
    stream.destroy();
  }
}

/**
 * A request body, cut off one byte past `limit`: the rest is read and dropped, and the handler
 * sees that the body is over the limit.
 */
function readBody(source: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    source.on("data", (chunk: Buffer) => {
      if (length > limit) return;
      chunks.push(chunk);
      length += chunk.length;
    });
    source.on("end", () => resolve(Buffer.concat(chunks, Math.min(length, limit + 1))));
    source.on("error", reject);
  });
}

/** `readBody` for an HTTP/2 stream; undefined when the stream closed before its end. */
function readStreamBody(stream: H2Stream, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    stream.ondata = (chunk) => {
      if (length > limit) return;
      chunks.push(chunk);
      length += chunk.length;
    };
    stream.onend = () => resolve(Buffer.concat(chunks, Math.min(length, limit + 1)));
    stream.onclose = () => resolve(undefined);
  });
}

function hasBody(method: string | undefined): boolean {
  return method !== "GET" && method !== "HEAD";
}

function webHeaders(headers: IncomingMessage["headers"] | RequestHeaders): Headers {
  const out = new Headers();
  for (const name in headers) {
    if (name.startsWith(":")) continue;
    const value = headers[name];
    if (typeof value === "string") out.append(name, value);
    else if (value !== undefined) for (const item of value) out.append(name, item);
  }
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
