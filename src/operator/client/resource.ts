// Where a kind lives in the API server's URL space.

export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

function type(apiVersion: string, kind: string, plural: string, namespaced = true): ResourceType {
  return { apiVersion, kind, plural, namespaced };
}

export const resourceTypes = {
  vimana: type("api.vimana.host/v1alpha1", "Vimana", "vimanas"),
  domain: type("api.vimana.host/v1alpha1", "Domain", "domains"),
  server: type("api.vimana.host/v1alpha1", "Server", "servers"),
  component: type("api.vimana.host/v1alpha1", "Component", "components"),
  deployment: type("apps/v1", "Deployment", "deployments"),
  service: type("v1", "Service", "services"),
  event: type("v1", "Event", "events"),
  namespace: type("v1", "Namespace", "namespaces", false),
  serviceAccount: type("v1", "ServiceAccount", "serviceaccounts"),
  clusterRole: type("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false),
  clusterRoleBinding: type(
    "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
    false,
  ),
  role: type("rbac.authorization.k8s.io/v1", "Role", "roles"),
  roleBinding: type("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
  lease: type("coordination.k8s.io/v1", "Lease", "leases"),
  runtimeClass: type("node.k8s.io/v1", "RuntimeClass", "runtimeclasses", false),
  gatewayClass: type("gateway.networking.k8s.io/v1", "GatewayClass", "gatewayclasses", false),
  gateway: type("gateway.networking.k8s.io/v1", "Gateway", "gateways"),
  grpcRoute: type("gateway.networking.k8s.io/v1", "GRPCRoute", "grpcroutes"),
  envoyProxy: type("gateway.envoyproxy.io/v1alpha1", "EnvoyProxy", "envoyproxies"),
  customResourceDefinition: type(
    "apiextensions.k8s.io/v1",
    "CustomResourceDefinition",
    "customresourcedefinitions",
    false,
  ),
} as const;

/** The collection URL path: `/apis/apps/v1/namespaces/ns/deployments`. */
export function collectionPath(resource: ResourceType, namespace?: string): string {
  const base = resource.apiVersion.includes("/")
    ? `/apis/${resource.apiVersion}`
    : `/api/${resource.apiVersion}`;
  if (resource.namespaced && namespace !== undefined) {
    return `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
  }
  return `${base}/${resource.plural}`;
}

export function objectPath(resource: ResourceType, namespace: string | undefined, name: string) {
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}
