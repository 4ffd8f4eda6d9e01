import { SERVER_ID_PATTERN, VERSION_MAX_LENGTH, VERSION_PATTERN } from "../../names/index.ts";
import { DOMAIN_ID_PATTERN } from "./domain.ts";
import { availableColumns, type KindDefinition } from "./kind.ts";
import { object, string } from "./schema.ts";

export interface ComponentSpec {
  version: string;
  server: string;
  domain: string;
  image: string;
}

export const componentKind: KindDefinition = {
  kind: "Component",
  plural: "components",
  singular: "component",
  shortNames: ["comp"],
  description:
    "One version of a Server, built as a WebAssembly component image: it runs as a Deployment behind a Service.",
  spec: object(
    "The desired state of a Component.",
    {
      domain: string("The Domain's id (32 lowercase hexadecimal digits).", {
        maxLength: 32,
        "x-kubernetes-validations": [
          {
            rule: `self.matches(r'${DOMAIN_ID_PATTERN}')`,
            message: "domain must be 32 lowercase hexadecimal digits (a Domain's id)",
          },
        ],
      }),
      server: string("The Server's id.", {
        maxLength: 63,
        "x-kubernetes-validations": [
          {
            rule: `self.matches(r'${SERVER_ID_PATTERN}')`,
            message:
              "server must be 1-63 lowercase letters, digits or dashes, start with a letter and end with a letter or digit",
          },
        ],
      }),
      version: string("The version, like 1.2.3 or 1.2.3-beta.", {
        maxLength: VERSION_MAX_LENGTH,
        "x-kubernetes-validations": [
          {
            rule: `self.matches(r'${VERSION_PATTERN}')`,
            message:
              "version must look like 1.2.3 or 1.2.3-beta (MAJOR.MINOR.PATCH without leading zeros, one pre-release identifier)",
          },
        ],
      }),
      image: string("The component's image: <registry>/<domain>/<server>:<version>.", {
        minLength: 1,
        maxLength: 4096,
      }),
    },
    ["version", "server", "domain", "image"],
  ),
  printerColumns: [
    { name: "Domain", type: "string", jsonPath: ".spec.domain" },
    { name: "Server", type: "string", jsonPath: ".spec.server" },
    { name: "Version", type: "string", jsonPath: ".spec.version" },
    { name: "Image", type: "string", jsonPath: ".spec.image" },
    ...availableColumns,
  ],
};
