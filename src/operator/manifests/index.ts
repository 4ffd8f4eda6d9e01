// The YAML that installs the operator, generated from the API definitions.
export {
  DEFAULT_IMAGE,
  manifestsCommand,
  manifestsYaml,
  OPERATOR_NAMESPACE,
  operatorManifests,
} from "./manifests.ts";
