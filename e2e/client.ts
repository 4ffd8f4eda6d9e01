// Calls through the gateway as a user's client makes them: TLS to the gateway's address, the
// domain's hostname as the server name (SNI and :authority), the e2e root CA as the only trust.
import { connect } from "node:http2";
import * as grpc from "@grpc/grpc-js";

export const ADD_FLOATS = "/foo.bar.AdderService/AddFloats";

/** Where the gateway's HTTPS listener is reached, and the CA its certificates chain to. */
export interface GatewayTarget {
  readonly address: string;
  readonly port: number;
  readonly rootCert: string;
}

/** `AddFloatsRequest {float x = 1; float y = 2;}` in protobuf. */
function encodeRequest(x: number, y: number): Buffer {
  const request = Buffer.alloc(10);
  request.writeUInt8(0x0d, 0); // field 1, fixed32
  request.writeFloatLE(x, 1);
  request.writeUInt8(0x15, 5); // field 2, fixed32
  request.writeFloatLE(y, 6);
  return request;
}

/** The float of `AddFloatsResponse {float result = 1;}`; an absent field is 0. */
function decodeResponse(bytes: Buffer): number {
  return bytes.length === 0 ? 0 : bytes.readFloatLE(1);
}

function hostPort(target: GatewayTarget): string {
  return target.address.includes(":")
    ? `[${target.address}]:${target.port}`
    : `${target.address}:${target.port}`;
}

/** One gRPC channel (one HTTP/2 connection) calling AddFloats. */
class AdderChannel {
  readonly #client: grpc.Client;

  protected constructor(client: grpc.Client) {
    this.#client = client;
  }

  /** AddFloats(x, y): the float32 result, or the gRPC error (with its `code`). */
  addFloats(x: number, y: number, deadlineMs = 5000): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#client.makeUnaryRequest(
        ADD_FLOATS,
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        encodeRequest(x, y),
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error, response) => {
          if (error) reject(error);
          else if (response === undefined) reject(new Error("AddFloats: no response"));
          else resolve(decodeResponse(response));
        },
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** Through the gateway over TLS, for one hostname. */
export class GatewayClient extends AdderChannel {
  constructor(target: GatewayTarget, hostname: string) {
    super(
      new grpc.Client(hostPort(target), grpc.credentials.createSsl(Buffer.from(target.rootCert)), {
        "grpc.ssl_target_name_override": hostname,
        "grpc.default_authority": hostname,
      }),
    );
  }
}

/** Straight to a pod's data plane (h2c), past the gateway. */
export class PodClient extends AdderChannel {
  constructor(address: string, port: number) {
    super(
      new grpc.Client(hostPort({ address, port, rootCert: "" }), grpc.credentials.createInsecure()),
    );
  }
}

/** AddFloats in the JSON mapping, over HTTP/2 and TLS: the status and the parsed body. */
export function addFloatsJson(
  target: GatewayTarget,
  hostname: string,
  x: number,
  y: number,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const session = connect(`https://${hostPort(target)}`, {
      servername: hostname,
      ca: target.rootCert,
    });
    const fail = (error: Error) => {
      session.close();
      reject(new Error(`JSON call to ${hostname} via ${hostPort(target)}: ${error.message}`));
    };
    session.on("error", fail);
    session.setTimeout(5000, () => fail(new Error("timed out")));
    const request = session.request({
      ":method": "POST",
      ":path": ADD_FLOATS,
      ":authority": hostname,
      "content-type": "application/json",
    });
    let status = 0;
    let text = "";
    request.on("response", (headers) => {
      status = Number(headers[":status"]);
    });
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      text += chunk;
    });
    request.on("error", fail);
    request.on("end", () => {
      session.close();
      try {
        resolve({ status, body: JSON.parse(text) });
      } catch {
        reject(
          new Error(`JSON call to ${hostname}: status ${status}, body ${JSON.stringify(text)}`),
        );
      }
    });
    request.end(JSON.stringify({ x, y }));
  });
}
