// What installs the operator in a cluster (ref §7.3): its namespace, the CRDs, a ServiceAccount,
// the RBAC it needs and nothing more, and a Deployment under the restricted Pod Security profile.
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { customResourceDefinition, GROUP, kinds } from "../api/index.ts";

export const OPERATOR_NAMESPACE = "vimana-operator-system";
export const DEFAULT_IMAGE = "localhost:5000/vimana-operator:latest";
const PREFIX = "vimana-operator-";
const SERVICE_ACCOUNT = `${PREFIX}controller-manager`;

const ALL = ["create", "delete", "get", "list", "patch", "update", "watch"];
const NO_DELETE = ["create", "get", "list", "patch", "update", "watch"];

function clusterRoleRules() {
  const plurals = kinds.map((kind) => kind.plural);
  return [
    { apiGroups: [GROUP], resources: plurals, verbs: ALL },
    {
      apiGroups: [GROUP],
      resources: plurals.map((p) => `${p}/status`),
      verbs: ["get", "patch", "update"],
    },
    { apiGroups: [GROUP], resources: plurals.map((p) => `${p}/finalizers`), verbs: ["update"] },
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ALL },
    { apiGroups: [""], resources: ["services"], verbs: ALL },
    { apiGroups: ["gateway.envoyproxy.io"], resources: ["envoyproxies"], verbs: ALL },
    { apiGroups: ["gateway.networking.k8s.io"], resources: ["gateways", "grpcroutes"], verbs: ALL },
    { apiGroups: ["gateway.networking.k8s.io"], resources: ["gatewayclasses"], verbs: NO_DELETE },
    { apiGroups: ["node.k8s.io"], resources: ["runtimeclasses"], verbs: NO_DELETE },
    // Failures are reported as Events on the object that failed.
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
  ];
}

export function operatorManifests(image: string = DEFAULT_IMAGE): Record<string, unknown>[] {
  const labels = {
    "control-plane": "controller-manager",
    "app.kubernetes.io/name": "vimana-operator",
  };
  const namespace = OPERATOR_NAMESPACE;
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: namespace,
        labels: { ...labels, "pod-security.kubernetes.io/enforce": "restricted" },
      },
    },
    ...kinds.map(customResourceDefinition),
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: SERVICE_ACCOUNT, namespace },
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: `${PREFIX}manager-role` },
      rules: clusterRoleRules(),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `${PREFIX}manager-rolebinding` },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: `${PREFIX}manager-role`,
      },
      subjects: [{ kind: "ServiceAccount", name: SERVICE_ACCOUNT, namespace }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: `${PREFIX}leader-election-role`, namespace },
      rules: [
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ALL },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `${PREFIX}leader-election-rolebinding`, namespace },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "Role",
        name: `${PREFIX}leader-election-role`,
      },
      subjects: [{ kind: "ServiceAccount", name: SERVICE_ACCOUNT, namespace }],
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `${PREFIX}controller-manager`, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: {
            labels,
            annotations: { "kubectl.kubernetes.io/default-container": "manager" },
          },
          spec: {
            serviceAccountName: SERVICE_ACCOUNT,
            terminationGracePeriodSeconds: 10,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "manager",
                image,
                command: ["/vimana-operator"],
                args: ["--leader-elect", "--health-probe-bind-address=:8081"],
                ports: [{ name: "health", containerPort: 8081, protocol: "TCP" }],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  runAsUser: 65532,
                  capabilities: { drop: ["ALL"] },
                },
                livenessProbe: {
                  httpGet: { path: "/healthz", port: 8081 },
                  initialDelaySeconds: 15,
                  periodSeconds: 20,
                },
                readinessProbe: {
                  httpGet: { path: "/readyz", port: 8081 },
                  initialDelaySeconds: 5,
                  periodSeconds: 10,
                },
                resources: {
                  limits: { cpu: "500m", memory: "128Mi" },
                  requests: { cpu: "10m", memory: "64Mi" },
                },
              },
            ],
          },
        },
      },
    },
  ];
}

export function manifestsYaml(image?: string): string {
  return operatorManifests(image)
    .map((object) => `---\n${stringify(object, { lineWidth: 0 })}`)
    .join("");
}

export async function manifestsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { image: { type: "string" } }, strict: true });
  process.stdout.write(manifestsYaml(values.image));
  return 0;
}
