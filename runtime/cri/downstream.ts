// The OCI runtime vimanad stands in front of (containerd), spoken to in raw bytes: requests go
// down exactly as kubelet sent them and answers come back exactly as containerd wrote them, so
// fields vimanad's definitions do not know survive both ways.
import * as grpc from "@grpc/grpc-js";

const identity = (bytes: Buffer): Buffer => bytes;

/** A downstream answer: the response message's bytes and the trailing metadata. */
export interface RawAnswer {
  readonly bytes: Buffer;
  readonly trailers: grpc.Metadata;
}

/** A downstream call that failed; passed back to kubelet with the same code, text and trailers. */
export interface DownstreamError {
  readonly code: grpc.status;
  readonly details: string;
  readonly metadata: grpc.Metadata;
}

export function isDownstreamError(error: unknown): error is DownstreamError {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as DownstreamError).code === "number" &&
    (error as DownstreamError).metadata instanceof grpc.Metadata
  );
}

// Headers that belong to one HTTP/2 hop, not to the call: grpc-js sets its own.
const HOP_HEADERS = new Set(["user-agent", "content-type", "te", "host", "accept-encoding"]);

/** The caller's metadata, minus what only concerns the connection it came on. */
export function forwardableMetadata(incoming: grpc.Metadata): grpc.Metadata {
  const outgoing = new grpc.Metadata();
  for (const [key, values] of Object.entries(incoming.getMap())) {
    if (HOP_HEADERS.has(key) || key.startsWith("grpc-") || key.startsWith(":")) continue;
    outgoing.set(key, values);
  }
  return outgoing;
}

export class Downstream {
  readonly socket: string;
  readonly #client: grpc.Client;

  constructor(socket: string) {
    this.socket = socket;
    this.#client = new grpc.Client(`unix://${socket}`, grpc.credentials.createInsecure(), {
      // CRI list answers can be large (many containers); containerd allows 16 MiB.
      "grpc.max_receive_message_length": 16 * 1024 * 1024,
      "grpc.max_send_message_length": 16 * 1024 * 1024,
    });
  }

  /** Forwards one unary call; rejects with a DownstreamError carrying containerd's status. */
  unary(
    path: string,
    request: Buffer,
    metadata = new grpc.Metadata(),
    deadline?: grpc.Deadline,
    onHeaders?: (headers: grpc.Metadata) => void,
  ): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      let response: Buffer | undefined;
      const call = this.#client.makeUnaryRequest(
        path,
        identity,
        identity,
        request,
        metadata,
        deadline === undefined ? {} : { deadline },
        (error, value) => {
          if (error) reject(error);
          else response = value;
        },
      );
      if (onHeaders) call.on("metadata", onHeaders);
      call.on("status", (status: grpc.StatusObject) => {
        if (status.code === grpc.status.OK && response !== undefined) {
          resolve({ bytes: response, trailers: status.metadata });
        }
      });
    });
  }

  /** Forwards a server-streaming call: every message as it comes, then the status. */
  serverStream(
    path: string,
    request: Buffer,
    metadata: grpc.Metadata,
    deadline: grpc.Deadline | undefined,
  ): grpc.ClientReadableStream<Buffer> {
    return this.#client.makeServerStreamRequest(
      path,
      identity,
      identity,
      request,
      metadata,
      deadline === undefined ? {} : { deadline },
    );
  }

  close(): void {
    this.#client.close();
  }
}
