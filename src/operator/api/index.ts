// The operator's API, api.vimana.host/v1alpha1: one definition per kind is the single source of
// the CRDs (schema, validation, printer columns, short names) and of the TypeScript types.
import { componentKind } from "./component.ts";
import { domainKind } from "./domain.ts";
import type { KindDefinition } from "./kind.ts";
import { serverKind } from "./server.ts";
import { vimanaKind } from "./vimana.ts";

export type { ComponentSpec } from "./component.ts";
export { componentKind } from "./component.ts";
export { crdFileName, crdYaml, customResourceDefinition } from "./crd.ts";
export type { DomainSpec } from "./domain.ts";
export { domainKind } from "./domain.ts";
export { API_VERSION, GROUP, type KindDefinition, VERSION } from "./kind.ts";
export type {
  Component,
  Condition,
  CustomResource,
  Domain,
  KubeObject,
  ObjectMeta,
  OwnerReference,
  Server,
  Vimana,
} from "./resources.ts";
export type { ServerSpec } from "./server.ts";
export { serverKind } from "./server.ts";
export type { VimanaSpec } from "./vimana.ts";
export { vimanaKind } from "./vimana.ts";

export const kinds: readonly KindDefinition[] = [vimanaKind, domainKind, serverKind, componentKind];
