// The component host: turns component bytes into pods that serve calls, each call within a CPU
// (fuel) budget and a memory cap, in a WASI sandbox with no files and no network.

export {
  type CanonicalSignature,
  canonicalSignature,
} from "./canonical/index.ts";
export { type CallContext, callContext } from "./context.ts";
export {
  CallFailure,
  type CallSite,
  type FailureKind,
  failureSummaries,
  LoadError,
} from "./failures.ts";
export {
  Component,
  ComponentHost,
  defaultLimits,
  type HostOptions,
  type LoadOptions,
  type LoadOrigin,
} from "./host.ts";
export { LineWriter, type LogLine, type LogSink } from "./log.ts";
export { type DirectMethod, Pod, type PodOptions, type PodStats, type PodUsage } from "./pod.ts";
export { type WasiImports, wasiImports } from "./wasi/index.ts";
