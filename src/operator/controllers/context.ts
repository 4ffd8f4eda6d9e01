// What every controller reconciles with: the API client, the shared caches of the four kinds,
// the event recorder and the log.
import type { Component, Domain, KubeObject, Server, Vimana } from "../api/index.ts";
import type { KubeClient } from "../client/index.ts";
import type { Informer } from "../runtime/informer.ts";
import type { Logger } from "../runtime/log.ts";
import type { EventRecorder } from "./events.ts";

export interface Caches {
  vimana: Informer<Vimana>;
  domain: Informer<Domain>;
  server: Informer<Server>;
  component: Informer<Component>;
  deployment: Informer<KubeObject>;
  service: Informer<KubeObject>;
  gateway: Informer<KubeObject>;
  grpcRoute: Informer<KubeObject>;
}

export interface ControllerContext {
  client: KubeClient;
  caches: Caches;
  events: EventRecorder;
  log: Logger;
}

/** A reconciler: brings the world in line with one object, named `namespace/name`. */
export interface Reconciler {
  name: string;
  reconcile(namespace: string, name: string): Promise<void>;
}

export function splitKey(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}
