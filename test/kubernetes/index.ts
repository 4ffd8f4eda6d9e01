// Kubernetes fixtures shared by every suite that needs an API server or a whole node.
export {
  type ApiServerFixture,
  type ApiServerFixtureOptions,
  startApiServer,
} from "./api-server.ts";
export { type ClusterFixture, type ClusterFixtureOptions, startCluster } from "./cluster.ts";
export { type GatewayFixture, startGatewayFixture } from "./gateway.ts";
export { runKubectl } from "./kubectl.ts";
export { killKubernetesFixturesSync, stopKubernetesFixtures } from "./live.ts";
