export { type Attacker, pushAttacker, startAttackerPod } from "./components.ts";
export {
  type Attack,
  emptyContinuationFlood,
  idleHeads,
  openStreams,
  oversizedHeaders,
  rapidReset,
} from "./floods.ts";
export { connectRaw, Flags, FrameType, frame, headerBlock } from "./h2-frames.ts";
export {
  continuousCallers,
  cpuSeconds,
  criLatency,
  healthyThroughput,
  medianThroughput,
  rssMiB,
  type Throughput,
  warmUntilSteady,
} from "./measure.ts";
