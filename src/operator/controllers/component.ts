// Component → its Deployment `d-<sha224>` and Service `s-<sha224>` (ref §7.2).
import { resourceTypes } from "../client/index.ts";
import { OwnershipError, upsert } from "./apply.ts";
import type { ControllerContext, Reconciler } from "./context.ts";
import { componentDomain, deployment, service } from "./desired.ts";
import { StatusWriter } from "./status.ts";

const reasonOf = (owner: string, upsertReason: string) => (error: unknown) =>
  error instanceof OwnershipError ? owner : upsertReason;

export function componentReconciler(context: ControllerContext): Reconciler {
  const { client, caches } = context;
  return {
    name: "component",
    async reconcile(namespace, name) {
      // The cache's copy: a stale one only costs a 409 on the status write, then a retry.
      const component = caches.component.get(namespace, name);
      if (!component || component.metadata.deletionTimestamp) return;
      const status = new StatusWriter(context, resourceTypes.component, component);
      await status.starting();
      const domain = componentDomain(component, caches.domain.list(namespace));
      await status.step(reasonOf("DeploymentOwner", "DeploymentUpsert"), () =>
        upsert(client, resourceTypes.deployment, deployment(status.object, 1, domain), {
          // Replicas belong to whoever scales the Deployment; the operator only sets the first.
          fromLive: (live) =>
            deployment(status.object, (live.spec as { replicas?: number }).replicas ?? 1, domain),
          cached: (ns, n) => caches.deployment.get(ns, n),
        }),
      );
      await status.step(reasonOf("ServiceOwner", "ServiceUpsert"), () =>
        upsert(client, resourceTypes.service, service(status.object), {
          cached: (ns, n) => caches.service.get(ns, n),
        }),
      );
      await status.succeeded("component");
    },
  };
}
