// Envoy Gateway on the local cluster, in host mode: the Gateway API implementation e2e runs on.
export { type GatewayOptions, type LocalGateway, startGateway, stopGateway } from "./gateway.ts";
