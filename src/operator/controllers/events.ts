// Kubernetes Events on the objects whose reconciliation failed, so `kubectl describe` shows why.
import type { KubeObject } from "../api/index.ts";
import { type KubeClient, resourceTypes } from "../client/index.ts";
import type { Logger } from "../runtime/log.ts";

export interface EventRecorder {
  warning(object: KubeObject, reason: string, message: string): Promise<void>;
}

export function eventRecorder(client: KubeClient, log: Logger, component: string): EventRecorder {
  return {
    async warning(object, reason, message) {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      const namespace = object.metadata.namespace ?? "default";
      try {
        await client.create(resourceTypes.event, {
          apiVersion: "v1",
          kind: "Event",
          metadata: {
            name: `${object.metadata.name}.${Date.now().toString(16)}${Math.random().toString(16).slice(2, 8)}`,
            namespace,
          },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            namespace,
            uid: object.metadata.uid,
            resourceVersion: object.metadata.resourceVersion,
          },
          reason,
          message,
          type: "Warning",
          source: { component },
          reportingComponent: component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        });
      } catch (error) {
        // An event is a courtesy; the condition already carries the failure.
        log.warn(
          `event ${reason} on ${object.kind} ${namespace}/${object.metadata.name}: ${(error as Error).message}`,
        );
      }
    },
  };
}
