// The shapes of the objects the operator reads and writes, as the API server stores them.
import type { ComponentSpec } from "./component.ts";
import type { DomainSpec } from "./domain.ts";
import type { ServerSpec } from "./server.ts";
import type { VimanaSpec } from "./vimana.ts";

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface CustomResource<Spec> extends KubeObject {
  spec: Spec;
  status?: { conditions?: Condition[] };
}

export type Vimana = CustomResource<VimanaSpec>;
export type Domain = CustomResource<DomainSpec>;
export type Server = CustomResource<ServerSpec>;
export type Component = CustomResource<ComponentSpec>;
