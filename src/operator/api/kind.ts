// What defines one custom resource kind: its names, its spec schema and how kubectl prints it.
import type { Schema } from "./schema.ts";

export const GROUP = "api.vimana.host";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "date";
  jsonPath: string;
  description?: string;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: Schema;
  printerColumns: PrinterColumn[];
}

/** The column every kind ends with: the `Available` condition, then the age. */
export const availableColumns: PrinterColumn[] = [
  {
    name: "Available",
    type: "string",
    jsonPath: '.status.conditions[?(@.type=="Available")].status',
    description: "Whether the last reconciliation succeeded",
  },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];
