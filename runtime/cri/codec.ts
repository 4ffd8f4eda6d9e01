import protobuf from "protobufjs";
import apiProto from "./api.proto" with { type: "text" };

// Parsed from embedded text rather than loaded from a path, so a `bun build --compile`
// executable needs no file beside it. keepCase keeps the protocol's snake_case field names.
const root = protobuf.parse(apiProto, { keepCase: true }).root;
root.resolveAll();

const protoPackage = "runtime.v1";

// int64 fields (CRI timestamps are nanoseconds) exceed Number.MAX_SAFE_INTEGER: use bigint.
const decodeOptions: protobuf.IConversionOptions = { defaults: true, longs: BigInt };

export interface MessageCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

function messageCodec<T extends object>(type: protobuf.Type): MessageCodec<T> {
  return {
    encode: (value) => type.encode(type.fromObject(value as Record<string, unknown>)).finish(),
    decode: (bytes) => type.toObject(type.decode(bytes), decodeOptions) as T,
  };
}

export interface CriMethod<Request, Response> {
  /** The gRPC path, e.g. `/runtime.v1.RuntimeService/Version`. */
  readonly path: string;
  readonly request: MessageCodec<Request>;
  readonly response: MessageCodec<Response>;
}

/** Binds a method declared in api.proto to the TypeScript shapes of its messages. */
export function criMethod<Request extends object, Response extends object>(
  service: string,
  name: string,
): CriMethod<Request, Response> {
  const method = root.lookupService(`${protoPackage}.${service}`).methods[name];
  if (!method?.resolvedRequestType || !method.resolvedResponseType) {
    throw new Error(`CRI method ${service}/${name} is not declared in runtime/cri/api.proto`);
  }
  return {
    path: `/${protoPackage}.${service}/${name}`,
    request: messageCodec<Request>(method.resolvedRequestType),
    response: messageCodec<Response>(method.resolvedResponseType),
  };
}

/** The codec of one message type declared in api.proto, e.g. `criMessage("PodSandbox")`. */
export function criMessage<T extends object>(name: string): MessageCodec<T> {
  return messageCodec<T>(root.lookupType(`${protoPackage}.${name}`));
}

/** One rpc of a CRI service, as a server registers it. */
export interface CriRpc {
  readonly service: "RuntimeService" | "ImageService";
  readonly name: string;
  readonly path: string;
  readonly responseStream: boolean;
}

/** Every rpc of both CRI services declared in api.proto. */
export function criRpcs(): CriRpc[] {
  return (["RuntimeService", "ImageService"] as const).flatMap((service) =>
    Object.values(root.lookupService(`${protoPackage}.${service}`).methods).map((method) => ({
      service,
      name: method.name,
      path: `/${protoPackage}.${service}/${method.name}`,
      responseStream: method.responseStream === true,
    })),
  );
}
