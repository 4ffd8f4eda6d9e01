// The pod state machine (ref §1.6): what RunPodSandbox, the container calls and the sandbox
// calls do to a Vimana pod, its address and its server; the durable records that let a new
// vimanad recover its pods.

export { type ComponentPreparerOptions, componentPreparer } from "./component.ts";
export { type CrashPoint, crashPoint, crashPoints } from "./crash-points.ts";
export { messageOf, PodError } from "./errors.ts";
export { nowNs, Pods, type PodsOptions, RECOVERY_FAILED, type RecoveryOutcome } from "./pods.ts";
export {
  type LoadedRecords,
  type PodRecordData,
  RECORD_FORMAT,
  type RecordProblem,
  RecordStore,
} from "./records.ts";
export type {
  ContainerExit,
  ContainerSpec,
  PodServing,
  PodState,
  PodUsage,
  PodView,
  PreparedPod,
  PreparePod,
  SandboxSpec,
} from "./types.ts";
