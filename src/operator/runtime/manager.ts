// The operator process: caches (informers) of the four kinds and the owned kinds, the four
// controllers wired to them, periodic resync, leader election, probes and metrics.
import { LABEL_DOMAIN } from "../../names/index.ts";
import type { Component, Domain, KubeObject, Server, Vimana } from "../api/index.ts";
import { type KubeClient, resourceTypes } from "../client/index.ts";
import { componentReconciler } from "../controllers/component.ts";
import type { Caches, ControllerContext } from "../controllers/context.ts";
import { domainReconciler } from "../controllers/domain.ts";
import { eventRecorder } from "../controllers/events.ts";
import { serverDomainId, serverReconciler } from "../controllers/server.ts";
import { vimanaReconciler } from "../controllers/vimana.ts";
import { Controller } from "./controller.ts";
import { type Endpoints, serveEndpoints } from "./http.ts";
import { Informer, objectKey } from "./informer.ts";
import { type LeaderElectionOptions, LeaderElector } from "./leader.ts";
import type { Logger } from "./log.ts";
import { Metrics } from "./metrics.ts";

export interface ManagerOptions {
  client: KubeClient;
  log: Logger;
  /** Concurrent reconciles per controller. */
  workers: number;
  /** Every object is reconciled again this often, changed or not. */
  resyncMs: number;
  /** Without it, this process writes as soon as it starts. */
  leaderElection?: LeaderElectionOptions;
  healthAddress: string;
  metricsAddress: string;
}

export interface Manager {
  endpoints: Endpoints;
  /** Resolves when the manager stops: "stopped" after `stop()`, "lost" if leadership was lost. */
  done: Promise<"stopped" | "lost">;
  stop(): Promise<void>;
}

function controllerOwner(object: KubeObject, kind: string): string | undefined {
  return object.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === kind)?.name;
}

export function startManager(options: ManagerOptions): Manager {
  const { client, log } = options;
  const abort = new AbortController();
  const signal = abort.signal;
  const metrics = new Metrics();
  const caches: Caches = {
    vimana: new Informer<Vimana>(client, resourceTypes.vimana, log),
    domain: new Informer<Domain>(client, resourceTypes.domain, log),
    server: new Informer<Server>(client, resourceTypes.server, log),
    component: new Informer<Component>(client, resourceTypes.component, log),
    deployment: new Informer<KubeObject>(client, resourceTypes.deployment, log),
    service: new Informer<KubeObject>(client, resourceTypes.service, log),
    gateway: new Informer<KubeObject>(client, resourceTypes.gateway, log),
    grpcRoute: new Informer<KubeObject>(client, resourceTypes.grpcRoute, log),
  };
  const context: ControllerContext = {
    client,
    caches,
    events: eventRecorder(client, log, "vimana-operator"),
    log,
  };
  const vimana = new Controller(vimanaReconciler(context), metrics, log);
  const domain = new Controller(domainReconciler(context), metrics, log);
  const server = new Controller(serverReconciler(context), metrics, log);
  const component = new Controller(componentReconciler(context), metrics, log);
  const controllers = [vimana, domain, server, component];

  const own = (controller: Controller) => (object: KubeObject) =>
    controller.enqueue(object.metadata.namespace, object.metadata.name);
  const byOwner = (controller: Controller, kind: string) => (object: KubeObject) => {
    const owner = controllerOwner(object, kind);
    if (owner) controller.enqueue(object.metadata.namespace, owner);
  };

  caches.vimana.onChange(own(vimana));
  caches.domain.onChange(own(domain));
  caches.server.onChange(own(server));
  caches.component.onChange(own(component));
  caches.gateway.onChange(byOwner(vimana, "Vimana"));
  caches.grpcRoute.onChange(byOwner(domain, "Domain"));
  caches.deployment.onChange(byOwner(component, "Component"));
  caches.service.onChange(byOwner(component, "Component"));
  // A Domain change reaches the one Vimana of its namespace.
  caches.domain.onChange((object) => {
    const namespace = object.metadata.namespace;
    const candidates = caches.vimana.list(namespace);
    const [only] = candidates;
    if (candidates.length === 1 && only) vimana.enqueue(namespace, only.metadata.name);
    else
      log.error(
        `Domain ${objectKey(object)}: expected one Vimana in the namespace, found ${candidates.length}`,
      );
  });
  // Servers reach their Domain by its spec.id (the original matched resource names), and a
  // Domain reaches its Servers, whose status says whether their Domain exists.
  caches.server.onChange((object, old) => {
    const ids = new Set(
      [object, old].flatMap((s) => (s ? [s.metadata.labels?.[LABEL_DOMAIN]] : [])),
    );
    for (const d of caches.domain.list(object.metadata.namespace)) {
      if (ids.has(d.spec.id)) domain.enqueue(d.metadata.namespace, d.metadata.name);
    }
  });
  caches.domain.onChange((object, old) => {
    const ids = new Set([object.spec.id, old?.spec.id]);
    for (const s of caches.server.list(object.metadata.namespace)) {
      if (ids.has(serverDomainId(s))) server.enqueue(s.metadata.namespace, s.metadata.name);
    }
    // Its Components' pods carry the Domain's reflection policy.
    for (const c of caches.component.list(object.metadata.namespace)) {
      if (ids.has(c.spec.domain)) component.enqueue(c.metadata.namespace, c.metadata.name);
    }
  });

  const primaries: [Informer<KubeObject>, Controller][] = [
    [caches.vimana, vimana],
    [caches.domain, domain],
    [caches.server, server],
    [caches.component, component],
  ] as never;
  // Gateway API kinds may not be installed yet: the controllers start without those caches.
  const required = [
    caches.vimana,
    caches.domain,
    caches.server,
    caches.component,
    caches.deployment,
    caches.service,
  ] as Informer<KubeObject>[];
  const endpoints = serveEndpoints({
    healthAddress: options.healthAddress,
    metricsAddress: options.metricsAddress,
    ready: () => required.every((informer) => informer.isSynced),
    metrics,
  });
  const informersDone = Promise.all(
    Object.values(caches).map((informer) => (informer as Informer<KubeObject>).run(signal)),
  );

  const run = async (): Promise<"stopped" | "lost"> => {
    let lost: Promise<void> | undefined;
    if (options.leaderElection) {
      const elector = new LeaderElector(client, options.leaderElection, log);
      if (!(await elector.acquire(signal))) return "stopped";
      lost = elector.holdUntilLost(signal);
    }
    const stopped = new Promise<"stopped">((resolve) => {
      if (signal.aborted) resolve("stopped");
      signal.addEventListener("abort", () => resolve("stopped"));
    });
    // Stopping before the caches have listed must not wait for them.
    const synced = Promise.all(required.map((informer) => informer.synced)).then(() => "synced");
    if ((await Promise.race([synced, stopped])) === "stopped") {
      await lost;
      return "stopped";
    }
    log.info("caches synced; starting controllers");
    const resync = setInterval(() => {
      for (const [informer, controller] of primaries) {
        for (const object of informer.list()) {
          controller.enqueue(object.metadata.namespace, object.metadata.name);
        }
      }
    }, options.resyncMs);
    const workers = controllers.map((c) => c.run(options.workers));
    const outcome = await Promise.race([
      lost?.then(() => "lost" as const) ?? new Promise<never>(() => {}),
      stopped,
    ]);
    clearInterval(resync);
    for (const controller of controllers) controller.queue.close();
    await Promise.all(workers);
    if (outcome === "lost") abort.abort();
    else await lost;
    return outcome;
  };
  const done = run();

  return {
    endpoints,
    done,
    async stop() {
      abort.abort();
      await done;
      await informersDone;
      endpoints.stop();
    },
  };
}
