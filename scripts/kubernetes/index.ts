// The upstream binaries the local cluster runs: pinned versions and the cached builder.
export {
  type BinaryName,
  type BinaryPaths,
  binaryPaths,
  type EnsureOptions,
  ensureBinaries,
  kubernetesBinaryNames,
  vimanaCacheDir,
} from "./binaries.ts";
export { gatewayCrdPaths } from "./crds.ts";
export { ensureEnvoy, pipCommand } from "./envoy.ts";
export {
  criToolsVersion,
  envoyGatewayVersion,
  envoyVersion,
  etcdVersion,
  gatewayApiVersion,
  kubernetesVersion,
} from "./versions.ts";
