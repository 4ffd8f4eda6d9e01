// What every group of CRI handlers shares: registering a handler, forwarding downstream, routing
// per-object calls by ID, and reporting Vimana-path failures.
import * as grpc from "@grpc/grpc-js";
import { type ComponentName, formatPodName, type PodName } from "../../src/names/index.ts";
import type { PodView } from "../pods/index.ts";
import type { RawAnswer } from "./downstream.ts";
import { CriStatusError } from "./errors.ts";
import type { CallContext, CriServiceOptions, UnaryHandler } from "./service.ts";

export type CriServiceName = "RuntimeService" | "ImageService";

/** A Vimana handler of a per-object rpc: the pod its ID names, the request's bytes. */
export type PodHandler = (pod: PodName, bytes: Buffer) => Promise<RawAnswer>;

export interface HandlerKit {
  readonly options: CriServiceOptions;
  runtime(name: string, handler: UnaryHandler): void;
  image(name: string, handler: UnaryHandler): void;
  forward(
    name: string,
    bytes: Buffer,
    call: CallContext,
    service?: CriServiceName,
  ): Promise<RawAnswer>;
  /** Logs a Vimana-path failure with whatever names it (ref §1.9), and passes it on. */
  failed(error: unknown, pod?: PodName | ComponentName): never;
  /** A sandbox rpc: forwarded if downstream owns the ID, else `vimana` with the pod's name. */
  bySandbox(name: string, vimana: PodHandler, after?: (id: string) => void): UnaryHandler;
  /** A container rpc, routed like {@link HandlerKit.bySandbox}. */
  byContainer(name: string, vimana: PodHandler, after?: (id: string) => void): UnaryHandler;
}

export function answer(bytes: Uint8Array): RawAnswer {
  return {
    bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    trailers: new grpc.Metadata(),
  };
}

/**
 * Downstream's list answer byte for byte, then Vimana's items as more occurrences of the
 * repeated field: a protobuf parser reads the concatenation as one merged list.
 */
export function appended(reply: RawAnswer, ours: Uint8Array): RawAnswer {
  return { bytes: Buffer.concat([reply.bytes, ours]), trailers: reply.trailers };
}

export function notFound(pod: PodName): never {
  // The original's message is the bare pod name.
  throw new CriStatusError(grpc.status.NOT_FOUND, formatPodName(pod));
}

export function samePod(pod: PodView, name: PodName): boolean {
  return formatPodName(pod.name) === formatPodName(name);
}

/** A filter's ID, parsed: undefined if it names no Vimana pod (then it matches none of ours). */
export function parsedOrUndefined(parse: (id: string) => PodName, id: string): PodName | undefined {
  try {
    return parse(id);
  } catch {
    return undefined;
  }
}

/** How one kind of Vimana ID is read and written (sandbox `p-…`, container `c-…`). */
export interface IdKind {
  parse(id: string): PodName;
  format(pod: PodName): string;
}

/**
 * Whether a filter's ID (empty: no filter) selects this pod: the whole ID, or a prefix of it —
 * crictl shows IDs cut to 13 characters and passes them back, as containerd accepts.
 */
export function idMatches(kind: IdKind, id: string | undefined): (pod: PodView) => boolean {
  if (!id) return () => true;
  const wanted = parsedOrUndefined(kind.parse, id);
  if (wanted !== undefined) return (pod) => samePod(pod, wanted);
  return (pod) => kind.format(pod.name).startsWith(id);
}

export function matchesLabels(
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
