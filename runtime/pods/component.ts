// How a pod's component gets ready to serve: the image from the store, the component through
// the host (transpile cache), the Metadata decoded, then a host pod with CreateContainer's
// environment; serving is the data plane's per-pod server.
import { decodeMetadata } from "../../src/metadata/index.ts";
import {
  formatComponentName,
  formatPodName,
  parseReflectionPolicy,
  REFLECTION_ANNOTATION,
} from "../../src/names/index.ts";
import { type ConnectionBudget, type DataPlaneLimits, startPodServer } from "../dataplane/index.ts";
import type { ComponentHost } from "../host/index.ts";
import type { ImageStore } from "../images/index.ts";
import { type Logger, podFields } from "../log/index.ts";
import { type WorkerPool, workerShare } from "../workers/index.ts";
import type { PreparePod } from "./types.ts";

export interface ComponentPreparerOptions {
  images: ImageStore;
  host: ComponentHost;
  /** Every pod serves on this port of its own address (80 in production). */
  port: number;
  limits: DataPlaneLimits;
  /** Open connections across all pods. */
  connections: ConnectionBudget;
  log: Logger;
  /** Serve every pod from these worker threads; absent: on this thread, with `host`. */
  workers?: WorkerPool;
}

export function componentPreparer(options: ComponentPreparerOptions): PreparePod {
  const { images, host, port, limits, connections, log, workers } = options;
  return async (pod, env, annotations, cpuCores) => {
    const component = formatComponentName(pod);
    // The Domain's reflection policy, put on the pod by the operator; a bad value fails the pod.
    const policy = annotations[REFLECTION_ANNOTATION];
    const reflection = policy === undefined ? undefined : parseReflectionPolicy(policy);
    const contents = await images.load(pod);
    if (contents === undefined) throw new Error(`image ${component} is not pulled`);
    const fields = podFields(pod);
    if (workers !== undefined) {
      const pooled = await workers.prepare({
        name: formatPodName(pod),
        component,
        componentBytes: contents.component,
        metadataBytes: contents.metadata,
        env: [...env],
        ...(policy !== undefined && { reflection: policy }),
        maxWorkers: workerShare(cpuCores, workers.size),
        log: (level, message) =>
          level === "warning" ? log.warn(message, fields) : log.error(message, fields),
      });
      return {
        digest: contents.digest,
        serve: (address, listenerFd) => pooled.serve(address, port, listenerFd),
        close: () => pooled.close(),
        usage: () => pooled.usage(),
      };
    }
    const loaded = await host.load(contents.component, { name: component });
    const metadata = decodeMetadata(contents.metadata);
    const hostPod = loaded.createPod({ name: formatPodName(pod), env: [...env] });
    return {
      digest: contents.digest,
      serve: (address, listenerFd) =>
        startPodServer({
          address,
          port,
          ...(listenerFd !== undefined && { listenerFd }),
          metadata,
          ...(reflection && { reflection }),
          pod: hostPod,
          exports: loaded.exports,
          limits,
          connections,
          // One line per call would dominate the log at any real rate; failures are logged.
          requestLog: false,
          log: (event) => {
            if (event.kind === "warning") log.warn(event.message, fields);
            else if (event.kind === "error") log.error(event.message, fields);
          },
        }),
      close: () => hostPod.close(),
      usage: () => hostPod.usage,
    };
  };
}
