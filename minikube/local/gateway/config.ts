// Envoy Gateway's own configuration for the local cluster: Gateway API resources from the
// cluster's API server, Envoy run as a child process of the controller (host mode).

/** Directories of host mode; under the cluster's state directory, so teardown finds them. */
export interface GatewayDirs {
  /** Certificates (certgen --local writes them here first) and configuration. */
  readonly configHome: string;
  /** Envoy binaries, as func-e lays them out: envoy-versions/<version>/bin/envoy. */
  readonly dataHome: string;
  /** Envoy's run directories and logs. */
  readonly stateHome: string;
  readonly runtimeDir: string;
}

/** The GatewayClass controller name the operator's GatewayClass names. */
const CONTROLLER_NAME = "gateway.envoyproxy.io/gatewayclass-controller";

/** Envoy Gateway's namespace: its leader Lease, and the operator's EnvoyProxy. */
export const GATEWAY_NAMESPACE = "envoy-gateway-system";

/**
 * The `EnvoyGateway` configuration file. One controller per cluster needs no leader election;
 * the admin server stays on loopback.
 */
export function envoyGatewayConfig(dirs: GatewayDirs, adminPort: number): string {
  return `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyGateway
gateway:
  controllerName: ${CONTROLLER_NAME}
logging:
  level:
    default: info
admin:
  address:
    host: 127.0.0.1
    port: ${adminPort}
provider:
  type: Custom
  custom:
    resource:
      type: Kubernetes
      kubernetes:
        leaderElection:
          disable: true
    infrastructure:
      type: Host
      host:
        configHome: ${JSON.stringify(dirs.configHome)}
        dataHome: ${JSON.stringify(dirs.dataHome)}
        stateHome: ${JSON.stringify(dirs.stateHome)}
        runtimeDir: ${JSON.stringify(dirs.runtimeDir)}
`;
}
