// The CRI endpoint: both services on @grpc/grpc-js, every message kept as raw bytes (identity
// serializers) so that what vimanad forwards is exactly what kubelet sent.
import * as grpc from "@grpc/grpc-js";
import { criRpcs } from "./codec.ts";
import { type Downstream, forwardableMetadata } from "./downstream.ts";
import { toServiceError } from "./errors.ts";
import type { UnaryHandler } from "./service.ts";

const identity = (bytes: Buffer): Buffer => bytes;

/** Lists vimanad would have to merge; kubelet falls back to the List rpcs on UNIMPLEMENTED. */
const unmergedStreams = new Set(["StreamPodSandboxes", "StreamContainers", "StreamImages"]);

export interface CriServerOptions {
  handlers: ReadonlyMap<string, UnaryHandler>;
  downstream: Downstream;
}

export function createCriServer(options: CriServerOptions): grpc.Server {
  const { handlers, downstream } = options;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.max_send_message_length": 16 * 1024 * 1024,
  });
  const definitions: Record<string, Record<string, grpc.MethodDefinition<Buffer, Buffer>>> = {};
  const implementations: Record<string, grpc.UntypedServiceImplementation> = {};
  for (const rpc of criRpcs()) {
    definitions[rpc.service] ??= {};
    implementations[rpc.service] ??= {};
    (definitions[rpc.service] as Record<string, grpc.MethodDefinition<Buffer, Buffer>>)[rpc.name] =
      {
        path: rpc.path,
        requestStream: false,
        responseStream: rpc.responseStream,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      };
    (implementations[rpc.service] as grpc.UntypedServiceImplementation)[rpc.name] =
      rpc.responseStream
        ? streamHandler(rpc.name, rpc.path, downstream)
        : unaryHandler(rpc.path, handlers.get(rpc.path), downstream);
  }
  for (const [service, definition] of Object.entries(definitions)) {
    server.addService(definition as grpc.ServiceDefinition, implementations[service] ?? {});
  }
  return server;
}

function unaryHandler(
  path: string,
  handler: UnaryHandler | undefined,
  downstream: Downstream,
): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const context = { metadata: forwardableMetadata(call.metadata), deadline: call.getDeadline() };
    const answering = handler
      ? handler(call.request, context)
      : downstream.unary(path, call.request, context.metadata, context.deadline);
    answering.then(
      (reply) => callback(null, reply.bytes, reply.trailers),
      (error: unknown) => callback(toServiceError(error)),
    );
  };
}

function streamHandler(
  name: string,
  path: string,
  downstream: Downstream,
): grpc.handleServerStreamingCall<Buffer, Buffer> {
  return (call) => {
    if (name === "GetContainerEvents") {
      // As the original (ref §1.5): kubelet's evented PLEG falls back to relisting.
      call.emit("error", { code: grpc.status.INTERNAL, details: "GetContainerEvents TODO" });
      return;
    }
    if (unmergedStreams.has(name)) {
      call.emit("error", {
        code: grpc.status.UNIMPLEMENTED,
        details: `${name} is not supported by vimanad; use the List rpc`,
      });
      return;
    }
    const upstream = downstream.serverStream(
      path,
      call.request,
      forwardableMetadata(call.metadata),
      call.getDeadline(),
    );
    upstream.on("data", (message: Buffer) => call.write(message));
    upstream.on("error", (error: grpc.ServiceError) => call.emit("error", error));
    upstream.on("status", (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) call.end(status.metadata);
    });
    call.on("cancelled", () => upstream.cancel());
  };
}
