// Domain → GRPCRoute `<id>`: one rule per Server of the domain, weighted backends per version
// (ref §7.2). Unlike the original, two Servers claiming one gRPC service is an error.
import { LABEL_DOMAIN } from "../../names/index.ts";
import type { Domain, Server } from "../api/index.ts";
import { resourceTypes } from "../client/index.ts";
import { OwnershipError, upsert } from "./apply.ts";
import type { ControllerContext, Reconciler } from "./context.ts";
import { grpcRoute, serviceConflicts } from "./desired.ts";
import { StatusWriter } from "./status.ts";

/** The domain's Servers in the order the API server lists them (by name). */
export function domainServers(servers: Server[], domain: Domain): Server[] {
  return servers
    .filter((server) => server.metadata.labels?.[LABEL_DOMAIN] === domain.spec.id)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

export function domainReconciler(context: ControllerContext): Reconciler {
  const { client, caches } = context;
  return {
    name: "domain",
    async reconcile(namespace, name) {
      const domain = caches.domain.get(namespace, name);
      if (!domain || domain.metadata.deletionTimestamp) return;
      const status = new StatusWriter(context, resourceTypes.domain, domain);
      await status.starting();
      const servers = domainServers(caches.server.list(namespace), domain);
      const conflicts = serviceConflicts(servers);
      if (conflicts.length > 0) {
        const message = conflicts
          .map((c) => `service ${c.service} is claimed by Servers ${c.servers.join(" and ")}`)
          .join("; ");
        await status.fail("ServiceConflict", message);
        return;
      }
      await status.step(
        (error) => (error instanceof OwnershipError ? "GRPCRouteOwner" : "GRPCRouteUpsert"),
        () =>
          upsert(client, resourceTypes.grpcRoute, grpcRoute(status.object, servers), {
            cached: (ns, n) => caches.grpcRoute.get(ns, n),
          }),
      );
      await status.succeeded("domain");
    },
  };
}
