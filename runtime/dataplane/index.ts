// The data plane: one server per pod on the pod's address, answering gRPC (h2c) the way the
// original did (ref §5.2), HTTP/JSON beside it on the same port, and the gRPC health service;
// with a request log and counters per pod. docs/dataplane.md describes what is served where.
export { LATENCY_BUCKETS, type PodCounters } from "./counters.ts";
export { PodServerError } from "./errors.ts";
export type { DataPlaneEvent, DataPlaneLog } from "./events.ts";
export type { Rate } from "./h2/index.ts";
export { HEALTH_SERVICE } from "./health.ts";
export {
  ConnectionBudget,
  type DataPlaneLimits,
  DEFAULT_LIMITS,
  defaultMaxConnections,
} from "./limits.ts";
export {
  parseReflectionPolicy,
  REFLECTION_ANNOTATION,
  REFLECTION_PATHS,
  ReflectionIndex,
  type ReflectionPolicy,
  serveReflection,
} from "./reflection.ts";
export { type PodServer, type PodServerOptions, startPodServer } from "./server.ts";
export { MAX_MESSAGE_BYTES } from "./serving.ts";
export {
  encodeGrpcMessage,
  GrpcError,
  httpStatusOf,
  Status,
  type StatusCode,
  type StatusName,
  statusNames,
} from "./status.ts";
