// Component → its Deployment `d-<sha224>` and Service `s-<sha224>` (ref §7.2).
import type { Component } from "../api/index.ts";
import { resourceTypes } from "../client/index.ts";
import { getOrUndefined, OwnershipError, upsert } from "./apply.ts";
import type { ControllerContext, Reconciler } from "./context.ts";
import { deployment, service } from "./desired.ts";
import { StatusWriter } from "./status.ts";

const reasonOf = (owner: string, upsertReason: string) => (error: unknown) =>
  error instanceof OwnershipError ? owner : upsertReason;

export function componentReconciler(context: ControllerContext): Reconciler {
  const { client } = context;
  return {
    name: "component",
    async reconcile(namespace, name) {
      const component = await getOrUndefined<Component>(
        client,
        resourceTypes.component,
        namespace,
        name,
      );
      if (!component || component.metadata.deletionTimestamp) return;
      const status = new StatusWriter(context, resourceTypes.component, component);
      await status.starting();
      await status.step(reasonOf("DeploymentOwner", "DeploymentUpsert"), () =>
        upsert(client, resourceTypes.deployment, deployment(status.object), (live) =>
          // Replicas belong to whoever scales the Deployment; the operator only sets the first.
          deployment(status.object, (live.spec as { replicas?: number }).replicas ?? 1),
        ),
      );
      await status.step(reasonOf("ServiceOwner", "ServiceUpsert"), () =>
        upsert(client, resourceTypes.service, service(status.object)),
      );
      await status.succeeded("component");
    },
  };
}
