// A pod's fair share of the workers. Component calls are synchronous: a call holds its worker
// until it returns or spends its fuel, so a pod whose calls ran on every worker at once would
// leave none for the others. Each pod's running calls are counted in one shared Int32 across
// workers; a call that would exceed the pod's share is refused at once with RESOURCE_EXHAUSTED
// (waiting would need the data plane's call path to be asynchronous; docs/vimanad.md, "Fair CPU").
import { GrpcError, Status } from "../dataplane/index.ts";
import type { Pod } from "../host/index.ts";

/**
 * How many of `workers` may run a pod's calls at once: its CPU limit rounded up, at least 1, and
 * at most all but one (so one worker always remains for the other pods). No limit: every worker,
 * as a container without a CPU limit may use every CPU.
 */
export function workerShare(cpuCores: number | undefined, workers: number): number {
  if (cpuCores === undefined) return workers;
  return Math.max(1, Math.min(Math.ceil(cpuCores), workers > 1 ? workers - 1 : 1));
}

/**
 * Makes `pod.call` take a place in `cell` (the pod's running calls across workers) for the
 * call's length, refusing when `max` are already taken. The data plane reaches the component
 * only through `call`, so gating it there covers gRPC and HTTP alike.
 */
export function shareCalls(pod: Pod, cell: Int32Array, max: number, podName: string): void {
  const call = pod.call.bind(pod);
  pod.call = (...args) => {
    if (Atomics.add(cell, 0, 1) >= max) {
      Atomics.sub(cell, 0, 1);
      throw new GrpcError(
        Status.RESOURCE_EXHAUSTED,
        `pod ${podName} is already running calls on ${max} of the workers, its CPU share`,
      );
    }
    try {
      return call(...args);
    } finally {
      Atomics.sub(cell, 0, 1);
    }
  };
}
