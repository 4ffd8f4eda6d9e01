// Vimana → RuntimeClass, GatewayClass, the shared EnvoyProxy and the Gateway `<name>-gateway`
// with one HTTPS listener per hostname of every Domain in the namespace (ref §7.2).
import { gatewayName } from "../../names/index.ts";
import { resourceTypes } from "../client/index.ts";
import { deleteIfPresent, ensureExists, OwnershipError, upsert } from "./apply.ts";
import type { ControllerContext, Reconciler } from "./context.ts";
import { envoyProxy, gateway, gatewayClass, runtimeClass } from "./desired.ts";
import { StatusWriter } from "./status.ts";

export function vimanaReconciler(context: ControllerContext): Reconciler {
  const { client, caches } = context;
  return {
    name: "vimana",
    async reconcile(namespace, name) {
      const vimana = caches.vimana.get(namespace, name);
      if (!vimana || vimana.metadata.deletionTimestamp) return;
      const status = new StatusWriter(context, resourceTypes.vimana, vimana);
      await status.starting();
      await status.step("RuntimeClass", () =>
        ensureExists(client, resourceTypes.runtimeClass, runtimeClass()),
      );
      await status.step("GatewayClass", () =>
        ensureExists(client, resourceTypes.gatewayClass, gatewayClass()),
      );
      await status.step("EnvoyProxyUpsert", () =>
        upsert(client, resourceTypes.envoyProxy, envoyProxy(status.object)),
      );
      const domains = caches.domain
        .list(namespace)
        .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
      if (domains.length === 0) {
        // As the original: no Domains, no Gateway; the condition stays as it was.
        await status.step("GatewayUpsert", () =>
          deleteIfPresent(client, resourceTypes.gateway, namespace, gatewayName(name)),
        );
        return;
      }
      await status.step(
        (error) => (error instanceof OwnershipError ? "GatewayOwner" : "GatewayUpsert"),
        () =>
          upsert(client, resourceTypes.gateway, gateway(status.object, domains), {
            cached: (ns, n) => caches.gateway.get(ns, n),
          }),
      );
      await status.succeeded("vimana");
    },
  };
}
