import * as grpc from "@grpc/grpc-js";
import type { CriMethod } from "./codec.ts";

/** A failed CRI call; `code` is the gRPC status (e.g. `grpc.status.UNAVAILABLE`). */
export class CriCallError extends Error {
  constructor(
    message: string,
    readonly code: grpc.status,
    options: ErrorOptions,
  ) {
    super(message, options);
    this.name = "CriCallError";
  }
}

export interface CriCallOptions {
  /** Fail with DEADLINE_EXCEEDED after this many milliseconds. */
  timeoutMs?: number;
}

export interface CriClient {
  /** `unix://<socket path>` */
  readonly endpoint: string;
  /** `cri.call(criMethods.Version, { version: "v1" })` */
  call<Request, Response>(
    method: CriMethod<Request, Response>,
    request: Request,
    options?: CriCallOptions,
  ): Promise<Response>;
  close(): void;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A client for a CRI endpoint (the kubelet's side of the protocol) on a Unix socket. */
export function createCriClient(socketPath: string): CriClient {
  const endpoint = `unix://${socketPath}`;
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure());
  return {
    endpoint,
    call(method, request, options = {}) {
      const callOptions: grpc.CallOptions =
        options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs };
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          method.path,
          (value: typeof request) => toBuffer(method.request.encode(value)),
          (bytes: Buffer) => method.response.decode(bytes),
          request,
          new grpc.Metadata(),
          callOptions,
          (error, response) => {
            if (error) {
              const message = `CRI ${method.path} on ${endpoint}: ${error.message}`;
              reject(new CriCallError(message, error.code, { cause: error }));
            } else if (response === undefined) {
              reject(new Error(`CRI ${method.path} on ${endpoint}: no response message`));
            } else {
              resolve(response);
            }
          },
        );
      });
    },
    close: () => client.close(),
  };
}
