// The pod state machine (ref §1.6): what RunPodSandbox, the container calls and the sandbox
// calls do to a Vimana pod, its address and its server.

export { type ComponentPreparerOptions, componentPreparer } from "./component.ts";
export { messageOf, PodError } from "./errors.ts";
export { nowNs, Pods, type PodsOptions } from "./pods.ts";
export type {
  ContainerExit,
  ContainerSpec,
  PodServing,
  PodState,
  PodView,
  PreparedPod,
  PreparePod,
  SandboxSpec,
} from "./types.ts";
