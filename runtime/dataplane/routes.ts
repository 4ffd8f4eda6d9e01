// The route table: `/<package.Service>/<Method>` → how to decode, run and encode the method,
// compiled once when the pod's server starts (ref §5.1), so nothing is looked up per call but
// the path.
import {
  type ComponentRecord,
  compileJsonCodec,
  compileMethodCodec,
  type Decoder,
  type Encoder,
  type JsonCodec,
  planMessage,
} from "../../src/codec/index.ts";
import type { GrpcMethod, Metadata } from "../../src/metadata/index.ts";
import {
  type CallContext,
  canonicalSignature,
  type DirectMethod,
  type Pod,
} from "../host/index.ts";
import { PodServerError } from "./errors.ts";
import { HEALTH_SERVICE, healthCheckMethod } from "./health.ts";
import { GrpcError, Status } from "./status.ts";

export interface Route {
  /** `/<package.Service>/<Method>` */
  path: string;
  decodeRequest: Decoder;
  encodeResponse: Encoder;
  requestJson: JsonCodec;
  responseJson: JsonCodec;
  /** How calls reach the component: the canonical-ABI fast path, or jco's glue. */
  callPath: CallPath;
  /** Runs the method; throws a host `CallFailure` or a `GrpcError`. */
  handle(context: CallContext, request: ComponentRecord): ComponentRecord;
}

export type CallPath = "canonical" | "jco";

/** `VIMANA_CALL_PATH=jco` forces jco's glue for every method (tests run suites both ways). */
export const CALL_PATH_ENV = "VIMANA_CALL_PATH";

/**
 * The fast path for a method when it covers the method's types and the component's core
 * function has the expected flat signature; undefined (jco's path) otherwise. Once, at load.
 */
function directMethod(pod: Pod, fn: string, method: GrpcMethod): DirectMethod | undefined {
  if (process.env[CALL_PATH_ENV] === "jco" || !method.request || !method.response) return;
  const signature = canonicalSignature(planMessage(method.request), planMessage(method.response));
  if (typeof signature === "string") return;
  const direct = pod.direct(fn, signature);
  return typeof direct === "string" ? undefined : direct;
}

export interface RouteSource {
  /** The pod's name, for errors. */
  podName: string;
  metadata: Metadata;
  pod: Pod;
  /** The component's top-level function exports (`Component.exports`). */
  exports: readonly string[];
  /** Whether the pod serves: what the health service answers. */
  isServing(): boolean;
}

export class RouteTable {
  readonly #routes = new Map<string, Route>();
  readonly #services = new Set<string>();

  /**
   * Compiles every method of the Metadata and the health service. Throws a PodServerError
   * ("metadata") naming the method when one cannot be served: a function the component does
   * not export ("Function not found", ref §5.1), or a message the codec cannot be built for.
   */
  constructor(source: RouteSource) {
    const exported = new Set(source.exports);
    this.#add(
      source.podName,
      HEALTH_SERVICE,
      "Check",
      healthCheckMethod,
      (_context, request) => this.#health(request, source.isServing()),
      "jco",
    );
    for (const service of source.metadata.services) {
      if (service.name === HEALTH_SERVICE) {
        throw new PodServerError(
          "metadata",
          source.podName,
          `service ${HEALTH_SERVICE} is built in`,
        );
      }
      for (const [name, method] of service.methods) {
        const fn = method.function;
        if (!exported.has(fn)) {
          throw new PodServerError(
            "metadata",
            source.podName,
            `${service.name}/${name}: Function not found: ${JSON.stringify(fn)}`,
          );
        }
        const pod = source.pod;
        const direct = directMethod(pod, fn, method);
        this.#add(
          source.podName,
          service.name,
          name,
          method,
          (context, request) => pod.call(fn, context, request, direct) as ComponentRecord,
          direct ? "canonical" : "jco",
        );
      }
    }
  }

  get(path: string): Route | undefined {
    return this.#routes.get(path);
  }

  /** Every route's path. */
  paths(): IterableIterator<string> {
    return this.#routes.keys();
  }

  /** The UNIMPLEMENTED status for a path no route serves, worded as grpc-go words it. */
  unknown(path: string): GrpcError {
    // grpc-go server.go, handleStream: "malformed method name: %q", "unknown service %v",
    // "unknown method %v for service %v".
    const slash = path.lastIndexOf("/");
    if (!path.startsWith("/") || slash <= 0) {
      return new GrpcError(Status.UNIMPLEMENTED, `malformed method name: ${JSON.stringify(path)}`);
    }
    const service = path.slice(1, slash);
    const method = path.slice(slash + 1);
    return new GrpcError(
      Status.UNIMPLEMENTED,
      this.#services.has(service)
        ? `unknown method ${method} for service ${service}`
        : `unknown service ${service}`,
    );
  }

  #add(
    podName: string,
    service: string,
    name: string,
    method: GrpcMethod,
    handle: Route["handle"],
    callPath: CallPath,
  ): void {
    const path = `/${service}/${name}`;
    try {
      const { decodeRequest, encodeResponse } = compileMethodCodec(method);
      this.#routes.set(path, {
        path,
        decodeRequest,
        encodeResponse,
        requestJson: compileJsonCodec(method.request as NonNullable<GrpcMethod["request"]>),
        responseJson: compileJsonCodec(method.response as NonNullable<GrpcMethod["response"]>),
        callPath,
        handle,
      });
    } catch (error) {
      throw new PodServerError(
        "metadata",
        podName,
        `${service}/${name}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    this.#services.add(service);
  }

  /** grpc.health.v1: the whole server ("") or one of its services; others are NOT_FOUND. */
  #health(request: ComponentRecord, serving: boolean): ComponentRecord {
    const service = request.service as string;
    if (service !== "" && !this.#services.has(service)) {
      throw new GrpcError(Status.NOT_FOUND, `unknown service ${service}`);
    }
    return { status: serving ? "serving" : "not-serving" };
  }
}
