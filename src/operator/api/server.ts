import { SERVER_ID_PATTERN, VERSION_MAX_LENGTH, VERSION_PATTERN } from "../../names/index.ts";
import { availableColumns, type KindDefinition } from "./kind.ts";
import { immutable, object, type Schema, string, strings } from "./schema.ts";

export interface ServerSpec {
  id: string;
  domain: string;
  services?: string[];
  auth?: { jwks?: string[] };
  features?: Record<string, Record<string, never>>;
  versionWeights?: Record<string, number>;
}

const versionWeights: Schema = {
  type: "object",
  description:
    "Traffic weight per version (a Component's spec.version); 0 keeps a version deployed but unrouted.",
  maxProperties: 64,
  additionalProperties: { type: "integer", format: "int32" },
  "x-kubernetes-validations": [
    { rule: "self.all(v, self[v] >= 0)", message: "versionWeights values must be 0 or more" },
    {
      rule: `self.all(v, size(v) <= ${VERSION_MAX_LENGTH} && v.matches(r'${VERSION_PATTERN}'))`,
      message:
        "versionWeights keys must be versions like 1.2.3 or 1.2.3-beta (MAJOR.MINOR.PATCH, one pre-release identifier)",
    },
  ],
};

export const serverKind: KindDefinition = {
  kind: "Server",
  plural: "servers",
  singular: "server",
  shortNames: ["srv"],
  description:
    "A server of a Domain: the gRPC services it answers and the traffic split across its versions. The label vimana.host/domain names its Domain's id.",
  spec: object(
    "The desired state of a Server.",
    {
      id: immutable(
        string(
          "The server's ID: lowercase letters, digits and dashes, starting with a letter, at most 63 characters.",
          {
            maxLength: 63,
            "x-kubernetes-validations": [
              {
                rule: `self.matches(r'${SERVER_ID_PATTERN}')`,
                message:
                  "id must be 1-63 lowercase letters, digits or dashes, start with a letter and end with a letter or digit",
              },
            ],
          },
        ),
        "id",
      ),
      domain: string("The id of the Domain this server belongs to.", { maxLength: 32 }),
      services: strings("Fully qualified gRPC services the server answers (package.Service)."),
      auth: object("Authentication.", { jwks: strings("JWKS URLs (informational).") }),
      features: {
        type: "object",
        description: "Feature flags by name (informational).",
        additionalProperties: { type: "object" },
      },
      versionWeights,
    },
    ["id", "domain"],
  ),
  printerColumns: [
    { name: "ID", type: "string", jsonPath: ".spec.id" },
    { name: "Domain", type: "string", jsonPath: ".spec.domain" },
    ...availableColumns,
  ],
};
