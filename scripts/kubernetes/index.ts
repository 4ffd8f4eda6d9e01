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
export {
  criToolsVersion,
  envoyGatewayVersion,
  etcdVersion,
  gatewayApiVersion,
  kubernetesVersion,
} from "./versions.ts";
