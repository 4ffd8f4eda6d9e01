import { describe, expect, test } from "bun:test";
import { parseAllDocuments } from "yaml";
import { manifestsYaml } from "./manifests.ts";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked by the assertions
type Json = any;

const objects: Json[] = parseAllDocuments(manifestsYaml("registry.example/op:1")).map((d) =>
  d.toJS(),
);
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

describe("install manifests (ref §7.3)", () => {
  test("namespace, four CRDs, ServiceAccount, RBAC, Deployment", () => {
    expect(objects.map((o) => o.kind)).toEqual([
      "Namespace",
      "CustomResourceDefinition",
      "CustomResourceDefinition",
      "CustomResourceDefinition",
      "CustomResourceDefinition",
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
      "Role",
      "RoleBinding",
      "Deployment",
    ]);
    expect(byKind("Namespace")[0].metadata.name).toBe("vimana-operator-system");
  });

  test("the ClusterRole grants what the original's did, and Events", () => {
    const rules = byKind("ClusterRole")[0].rules as Json[];
    const verbs = (group: string, resource: string) =>
      rules.find((r) => r.apiGroups.includes(group) && r.resources.includes(resource))?.verbs;
    const all = ["create", "delete", "get", "list", "patch", "update", "watch"];
    for (const plural of ["vimanas", "domains", "servers", "components"]) {
      expect(verbs("api.vimana.host", plural)).toEqual(all);
      expect(verbs("api.vimana.host", `${plural}/status`)).toEqual(["get", "patch", "update"]);
      expect(verbs("api.vimana.host", `${plural}/finalizers`)).toEqual(["update"]);
    }
    expect(verbs("apps", "deployments")).toEqual(all);
    expect(verbs("", "services")).toEqual(all);
    expect(verbs("gateway.envoyproxy.io", "envoyproxies")).toEqual(all);
    expect(verbs("gateway.networking.k8s.io", "gateways")).toEqual(all);
    expect(verbs("gateway.networking.k8s.io", "grpcroutes")).toEqual(all);
    const noDelete = ["create", "get", "list", "patch", "update", "watch"];
    expect(verbs("gateway.networking.k8s.io", "gatewayclasses")).toEqual(noDelete);
    expect(verbs("node.k8s.io", "runtimeclasses")).toEqual(noDelete);
    expect(verbs("", "events")).toEqual(["create", "patch"]);
    const lease = byKind("Role")[0].rules[0];
    expect(lease).toMatchObject({ apiGroups: ["coordination.k8s.io"], resources: ["leases"] });
  });

  test("the Deployment: restricted security context, 500m/128Mi, leader election, probes", () => {
    const spec = byKind("Deployment")[0].spec.template.spec;
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const [container] = spec.containers;
    expect(container.image).toBe("registry.example/op:1");
    expect(container.args).toContain("--leader-elect");
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.resources.limits).toEqual({ cpu: "500m", memory: "128Mi" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: 8081 });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: 8081 });
  });
});
