// The local cluster: upstream Kubernetes as host processes (as Kubernetes' own
// hack/local-up-cluster.sh runs it), kubelet → vimanad → containerd, state under one directory.
export { type ApiServerOptions, type LocalApiServer, startLocalApiServer } from "./api-server.ts";
export {
  type ClusterOptions,
  type ClusterState,
  type LocalCluster,
  RUNTIME_CLASS,
  readClusterState,
  startLocalCluster,
  stopLocalCluster,
} from "./cluster.ts";
export type { ControlPlane, FeatureGates } from "./control-plane.ts";
export {
  type GatewayOptions,
  type LocalGateway,
  startGateway,
  stopGateway,
} from "./gateway/index.ts";
export { freePort } from "./ports.ts";
export { logPath, logTail, runningPid, startProcess, stopProcess } from "./processes.ts";
export { killAllSync } from "./teardown.ts";
export { type TakeoverResult, takeOverVimanad } from "./vimanad-takeover.ts";
