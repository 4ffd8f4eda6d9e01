// vimanad's worker threads: every pod served from each of them, on one listening socket per
// pod, so that component calls use every core and never run on the thread that answers CRI.
export {
  type PoolPod,
  type PoolPodOptions,
  type PoolServing,
  WorkerPool,
  type WorkerPoolOptions,
} from "./pool.ts";
export { shareCalls, workerShare } from "./share.ts";
