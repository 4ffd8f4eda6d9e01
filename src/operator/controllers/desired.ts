// The objects the controllers want to exist, computed from the custom resources alone (ref §7.2):
// same names, labels, hashes and fields as the original operator.
import {
  canonicalDomain,
  deploymentName,
  formatComponentName,
  formatReflectionPolicy,
  gatewayName,
  LABEL_DOMAIN,
  LABEL_SERVER,
  LABEL_VERSION,
  listenerName,
  REFLECTION_ANNOTATION,
  RUNTIME_HANDLER,
  serviceName,
  tlsSecretName,
} from "../../names/index.ts";
import type {
  Component,
  CustomResource,
  Domain,
  KubeObject,
  OwnerReference,
  Server,
  Vimana,
} from "../api/index.ts";

export const RUNTIME_CLASS = "vimana-runtime";
export const GRPC_PORT = 80;
export const GATEWAY_CLASS = "envoy-gateway";
export const ENVOY_PROXY_NAME = "envoy-gateway-config";
export const ENVOY_GATEWAY_NAMESPACE = "envoy-gateway-system";
const GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

/** What controllerutil.SetControllerReference writes. */
export function controllerReference(owner: CustomResource<unknown>): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function runtimeClass(): KubeObject {
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: RUNTIME_CLASS },
    handler: RUNTIME_HANDLER,
  };
}

export function gatewayClass(): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GatewayClass",
    metadata: { name: GATEWAY_CLASS },
    spec: {
      controllerName: GATEWAY_CONTROLLER,
      parametersRef: {
        group: "gateway.envoyproxy.io",
        kind: "EnvoyProxy",
        name: ENVOY_PROXY_NAME,
        namespace: ENVOY_GATEWAY_NAMESPACE,
      },
      description: "Vimana Gateway class",
    },
  };
}

/** One shared object for every Vimana: it names the Envoy Service after the gateway. */
export function envoyProxy(vimana: Vimana): KubeObject {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "EnvoyProxy",
    metadata: { name: ENVOY_PROXY_NAME, namespace: ENVOY_GATEWAY_NAMESPACE },
    spec: {
      provider: {
        type: "Kubernetes",
        kubernetes: {
          envoyService: {
            patch: { value: { metadata: { name: gatewayName(vimana.metadata.name) } } },
          },
        },
      },
    },
  };
}

/** The hostnames of a domain: the canonical one, then its aliases. */
export function domainHostnames(domain: Domain): string[] {
  return [canonicalDomain(domain.spec.id), ...(domain.spec.aliases ?? [])];
}

export function gateway(vimana: Vimana, domains: Domain[]): KubeObject {
  const listeners = domains.flatMap((domain) =>
    domainHostnames(domain).map((hostname) => ({
      name: listenerName(hostname),
      protocol: "HTTPS",
      port: 443,
      hostname,
      tls: {
        certificateRefs: [
          { kind: "Secret", name: tlsSecretName(hostname), namespace: domain.metadata.namespace },
        ],
      },
      allowedRoutes: { kinds: [{ kind: "GRPCRoute" }] },
    })),
  );
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: {
      name: gatewayName(vimana.metadata.name),
      namespace: vimana.metadata.namespace,
      ownerReferences: [controllerReference(vimana)],
    },
    spec: { gatewayClassName: GATEWAY_CLASS, listeners },
  };
}

/** Versions sorted as strings, as the original's sorted map keys. */
function sortedVersions(weights: Record<string, number> | undefined): [string, number][] {
  return Object.entries(weights ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function grpcRoute(domain: Domain, servers: Server[]): KubeObject {
  const id = domain.spec.id;
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GRPCRoute",
    metadata: {
      name: id,
      namespace: domain.metadata.namespace,
      labels: { [LABEL_DOMAIN]: id },
      ownerReferences: [controllerReference(domain)],
    },
    spec: {
      parentRefs: [{ name: gatewayName(domain.spec.vimana) }],
      hostnames: domainHostnames(domain),
      rules: servers.map((server) => ({
        matches: (server.spec.services ?? []).map((service) => ({
          method: { type: "Exact", service },
        })),
        backendRefs: sortedVersions(server.spec.versionWeights).map(([version, weight]) => ({
          name: serviceName(formatComponentName({ domain: id, server: server.spec.id, version })),
          port: GRPC_PORT,
          weight,
        })),
      })),
    },
  };
}

export function componentLabels(component: Component): Record<string, string> {
  return {
    [LABEL_DOMAIN]: component.spec.domain,
    [LABEL_SERVER]: component.spec.server,
    [LABEL_VERSION]: component.spec.version,
  };
}

function componentHashInput(component: Component): string {
  const { domain, server, version } = component.spec;
  return formatComponentName({ domain, server, version });
}

/**
 * The Deployment of a component; `replicas` is the live value, never overwritten. A Domain that
 * restricts gRPC reflection (`spec.grpc.reflection`) reaches its pods as an annotation vimanad
 * reads; without one the template is the original's.
 */
export function deployment(component: Component, replicas = 1, domain?: Domain): KubeObject {
  const labels = componentLabels(component);
  const reflection = domain?.spec.grpc?.reflection;
  const annotations =
    reflection === undefined
      ? undefined
      : { [REFLECTION_ANNOTATION]: formatReflectionPolicy(reflection) };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: deploymentName(componentHashInput(component)),
      namespace: component.metadata.namespace,
      labels,
      ownerReferences: [controllerReference(component)],
    },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(annotations && { annotations }) },
        spec: {
          runtimeClassName: RUNTIME_CLASS,
          containers: [{ name: "grpc", image: component.spec.image, imagePullPolicy: "Always" }],
        },
      },
    },
  };
}

export function service(component: Component): KubeObject {
  const labels = componentLabels(component);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: serviceName(componentHashInput(component)),
      namespace: component.metadata.namespace,
      labels,
      ownerReferences: [controllerReference(component)],
    },
    spec: {
      ports: [{ port: GRPC_PORT, appProtocol: "kubernetes.io/h2c" }],
      selector: labels,
    },
  };
}

/** Services claimed by more than one Server, with the claimants' resource names. */
export function serviceConflicts(servers: Server[]): { service: string; servers: string[] }[] {
  const claims = new Map<string, string[]>();
  for (const server of servers) {
    for (const service of new Set(server.spec.services ?? [])) {
      claims.set(service, [...(claims.get(service) ?? []), server.metadata.name]);
    }
  }
  return [...claims]
    .filter(([, names]) => names.length > 1)
    .map(([service, names]) => ({ service, servers: names }));
}

/** The Domain a component belongs to (by `spec.id`, as Servers find theirs), if it exists. */
export function componentDomain(component: Component, domains: Domain[]): Domain | undefined {
  return domains.find((domain) => domain.spec.id === component.spec.domain);
}
