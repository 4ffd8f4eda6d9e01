// A downstream CRI stand-in for the few cases real containerd cannot stage (downstream pods in
// a list answer) or cannot show (the exact bytes it received): every call is recorded raw; list
// calls answer empty unless told otherwise, anything else UNIMPLEMENTED.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { criRpcs } from "../cri/index.ts";

const identity = (bytes: Buffer): Buffer => bytes;

export interface RecordedCall {
  readonly path: string;
  readonly request: Buffer;
}

export interface StandIn {
  readonly socket: string;
  readonly calls: RecordedCall[];
  /** The next call of `method` (e.g. "ListPodSandbox") answers these bytes. */
  answerNext(method: string, response: Uint8Array): void;
  stop(): Promise<void>;
}

export async function startStandIn(): Promise<StandIn> {
  const dir = await mkdtemp(join(tmpdir(), "cri-standin-"));
  const socket = join(dir, "cri.sock");
  const calls: RecordedCall[] = [];
  const answers = new Map<string, Uint8Array[]>();
  const server = new grpc.Server();
  const services = new Map<string, [grpc.ServiceDefinition, grpc.UntypedServiceImplementation]>();
  for (const rpc of criRpcs().filter((r) => !r.responseStream)) {
    let service = services.get(rpc.service);
    if (service === undefined) {
      service = [{} as grpc.ServiceDefinition, {}];
      services.set(rpc.service, service);
    }
    const [definition, implementation] = service;
    (definition as Record<string, grpc.MethodDefinition<Buffer, Buffer>>)[rpc.name] = {
      path: rpc.path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    };
    implementation[rpc.name] = ((call, callback) => {
      calls.push({ path: rpc.path, request: call.request });
      const queued = answers.get(rpc.name)?.shift();
      if (queued !== undefined) callback(null, Buffer.from(queued));
      else if (rpc.name.startsWith("List")) callback(null, Buffer.alloc(0));
      else callback({ code: grpc.status.UNIMPLEMENTED, details: `stand-in: ${rpc.name}` });
    }) as grpc.handleUnaryCall<Buffer, Buffer>;
  }
  for (const [definition, implementation] of services.values()) {
    server.addService(definition, implementation);
  }
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  return {
    socket,
    calls,
    answerNext(method, response) {
      const queue = answers.get(method) ?? [];
      queue.push(response);
      answers.set(method, queue);
    },
    async stop() {
      server.forceShutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
