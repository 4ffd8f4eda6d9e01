// gRPC server reflection (grpc.reflection.v1 and v1alpha, the same messages under two names): a
// bidirectional stream of requests, each answered as it arrives, so `grpcurl list|describe` and
// calls work without the `.proto`. The descriptors come from Metadata (descriptors.ts).
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import type { GrpcService, Metadata } from "../../src/metadata/index.ts";
import type { ReflectionPolicy } from "../../src/names/index.ts";
import { type DescriptorFile, descriptorFiles } from "./descriptors.ts";
import { encodeGrpcMessage, Status } from "./status.ts";

export const REFLECTION_PATHS: ReadonlySet<string> = new Set([
  "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
]);

export {
  parseReflectionPolicy,
  REFLECTION_ANNOTATION,
  type ReflectionPolicy,
} from "../../src/names/index.ts";

export function reflects(policy: ReflectionPolicy, service: string): boolean {
  if (policy.noneBut !== undefined) return policy.noneBut.includes(service);
  if (policy.allBut !== undefined) return !policy.allBut.includes(service);
  return true;
}

/** What one server's reflection answers from: the services it may describe, and their files. */
export class ReflectionIndex {
  readonly services: string[];
  readonly #files: DescriptorFile[];

  constructor(metadata: readonly Metadata[], policy: ReflectionPolicy) {
    const seen = new Map<string, GrpcService>();
    for (const m of metadata) {
      for (const service of m.services) {
        if (!seen.has(service.name) && reflects(policy, service.name)) {
          seen.set(service.name, service);
        }
      }
    }
    this.services = [...seen.keys()];
    this.#files = descriptorFiles([...seen.values()]);
  }

  fileByName(name: string): DescriptorFile | undefined {
    return this.#files.find((file) => file.name === name);
  }

  fileWithSymbol(symbol: string): DescriptorFile | undefined {
    const name = symbol.replace(/^\./, "");
    return this.#files.find((file) => file.symbols.includes(name));
  }
}

/**
 * What reflection needs of a server stream: the data plane's own (h2/stream.ts) and node:http2's
 * (the dev gateway's) both are one.
 */
export interface ReflectionStream {
  respond(
    headers: Record<string, string | number>,
    options: { endStream?: boolean; waitForTrailers?: boolean },
  ): void;
  sendTrailers(trailers: Record<string, string>): void;
  write(chunk: Uint8Array): unknown;
  end(): unknown;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end" | "error" | "wantTrailers", listener: () => void): unknown;
}

/** Serves one reflection stream until the client ends it. */
export function serveReflection(index: ReflectionIndex, stream: ReflectionStream): void {
  stream.on("error", () => {});
  if (index.services.length === 0) {
    stream.respond(
      {
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-status": String(Status.UNIMPLEMENTED),
        "grpc-message": encodeGrpcMessage("server reflection is off for this server"),
      },
      { endStream: true },
    );
    return;
  }
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  let pending: Buffer = Buffer.alloc(0);
  stream.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      const message = pending.subarray(5, 5 + length);
      pending = pending.subarray(5 + length);
      const answer = answerOne(index, message);
      const frame = Buffer.alloc(5 + answer.length);
      frame.writeUInt32BE(answer.length, 1);
      frame.set(answer, 5);
      stream.write(frame);
    }
  });
  stream.on("end", () => stream.end());
}

/** One ServerReflectionResponse for one ServerReflectionRequest's bytes. */
function answerOne(index: ReflectionIndex, request: Uint8Array): Uint8Array {
  const reader = new BinaryReader(request);
  let host = "";
  let ask: { field: number; text: string } | undefined;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === 2) host = reader.string();
    else if ([3, 4, 6, 7].includes(field) && wireType === 2) ask = { field, text: reader.string() };
    else if (field === 5 && wireType === 2) {
      reader.bytes();
      ask = { field, text: "" };
    } else reader.skip(wireType);
  }
  const out = new BinaryWriter();
  out.uint32((1 << 3) | 2).string(host);
  out.uint32((2 << 3) | 2).bytes(request);
  const notFound = (what: string) => {
    out.uint32((7 << 3) | 2).fork();
    out.uint32(1 << 3).int32(Status.NOT_FOUND);
    out.uint32((2 << 3) | 2).string(what);
    out.join();
  };
  const files = (file: DescriptorFile | undefined, what: string) => {
    if (!file) return notFound(what);
    out.uint32((4 << 3) | 2).fork();
    out.uint32((1 << 3) | 2).bytes(file.bytes);
    out.join();
  };
  switch (ask?.field) {
    case 3:
      files(index.fileByName(ask.text), `file not found: ${ask.text}`);
      break;
    case 4:
      files(index.fileWithSymbol(ask.text), `symbol not found: ${ask.text}`);
      break;
    case 5:
      notFound("extensions are not supported");
      break;
    case 6:
      // No extensions: an empty list for the type.
      out.uint32((5 << 3) | 2).fork();
      out.uint32((1 << 3) | 2).string(ask.text);
      out.join();
      break;
    case 7:
      out.uint32((6 << 3) | 2).fork();
      for (const name of index.services) {
        out.uint32((1 << 3) | 2).fork();
        out.uint32((1 << 3) | 2).string(name);
        out.join();
      }
      out.join();
      break;
    default:
      notFound("the request asks for nothing this server knows");
  }
  return out.finish();
}
