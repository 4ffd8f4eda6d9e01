// Server: reports whether its Domain exists (the original's controller did nothing). The Domain
// is the one whose spec.id is the Server's `vimana.host/domain` label (or spec.domain).
import { LABEL_DOMAIN } from "../../names/index.ts";
import type { Server } from "../api/index.ts";
import { resourceTypes } from "../client/index.ts";
import type { ControllerContext, Reconciler } from "./context.ts";
import { StatusWriter } from "./status.ts";

export function serverDomainId(server: Server): string {
  return server.metadata.labels?.[LABEL_DOMAIN] ?? server.spec.domain;
}

export function serverReconciler(context: ControllerContext): Reconciler {
  const { caches } = context;
  return {
    name: "server",
    async reconcile(namespace, name) {
      const server = caches.server.get(namespace, name);
      if (!server || server.metadata.deletionTimestamp) return;
      const status = new StatusWriter(context, resourceTypes.server, server);
      await status.starting();
      const id = serverDomainId(server);
      const domain = caches.domain.list(namespace).find((d) => d.spec.id === id);
      if (!domain) {
        await status.fail("DomainNotFound", `no Domain with id ${id} in namespace ${namespace}`);
        return;
      }
      await status.succeeded("server");
    },
  };
}
