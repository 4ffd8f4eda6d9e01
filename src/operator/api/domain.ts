import { availableColumns, type KindDefinition } from "./kind.ts";
import { immutable, object, string, strings } from "./schema.ts";

export interface DomainSpec {
  id: string;
  vimana: string;
  aliases?: string[];
  regions?: string[];
  failover?: string[];
  grpc?: { reflection?: { noneBut?: string[]; allBut?: string[] } };
  openApi?: boolean;
}

export const DOMAIN_ID_PATTERN = "^[0-9a-f]{32}$";

export const domainKind: KindDefinition = {
  kind: "Domain",
  plural: "domains",
  singular: "domain",
  shortNames: ["dom"],
  description:
    "A domain: the hostnames <id>.app.vimana.host and its aliases, routed to its Servers by gRPC service.",
  spec: object(
    "The desired state of a Domain.",
    {
      id: immutable(
        string("The domain's UUID: 32 lowercase hexadecimal digits.", {
          maxLength: 32,
          "x-kubernetes-validations": [
            {
              rule: `self.matches(r'${DOMAIN_ID_PATTERN}')`,
              message: "id must be 32 lowercase hexadecimal digits (a UUID without dashes)",
            },
          ],
        }),
        "id",
      ),
      vimana: string("Name of the Vimana whose Gateway serves this domain.", {
        minLength: 1,
        maxLength: 245,
      }),
      aliases: strings("More hostnames served like the canonical one."),
      regions: strings("Regions the domain is served from (informational)."),
      failover: strings("Regions to fail over to (informational)."),
      grpc: object("gRPC options.", {
        reflection: object("Which services gRPC server reflection lists.", {
          noneBut: strings("List only these services."),
          allBut: strings("List every service except these."),
        }),
      }),
      openApi: { type: "boolean", description: "Serve an OpenAPI description (informational)." },
    },
    ["id", "vimana"],
  ),
  printerColumns: [
    { name: "ID", type: "string", jsonPath: ".spec.id" },
    { name: "Vimana", type: "string", jsonPath: ".spec.vimana" },
    ...availableColumns,
  ],
};
