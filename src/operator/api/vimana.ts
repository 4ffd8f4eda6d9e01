import { availableColumns, type KindDefinition } from "./kind.ts";
import { object, strings } from "./schema.ts";

export interface VimanaSpec {
  regions?: string[];
}

export const vimanaKind: KindDefinition = {
  kind: "Vimana",
  plural: "vimanas",
  singular: "vimana",
  shortNames: ["vim"],
  description:
    "A Vimana installation in a namespace: its Gateway (named <name>-gateway) carries every Domain of the namespace.",
  spec: object("The desired state of a Vimana.", {
    regions: strings("Regions the installation serves (informational)."),
  }),
  printerColumns: availableColumns,
};
