// The operator installed the way a user installs it — its image pushed to the cluster's
// registry, `vimana-operator manifests` applied — running in a pod of the local cluster (a real
// kubelet, containerd behind vimanad) with the in-cluster service account, reconciling.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { freeLoopbackPort } from "../../runtime/tests/fixtures/ports.ts";
import { type ClusterFixture, startCluster } from "../../test/kubernetes/index.ts";
import type { KubeObject } from "./api/index.ts";
import { KubeClient, resourceTypes } from "./client/index.ts";
import { operatorManifests } from "./manifests/index.ts";
import { waitFor } from "./testing/install.ts";

// biome-ignore lint/suspicious/noExplicitAny: manifests are edited as plain JSON
type Json = any;

let cluster: ClusterFixture;

beforeAll(async () => {
  cluster = await startCluster();
}, 600_000);

afterAll(async () => {
  await cluster
    ?.kubectl("delete", "namespace", "vimana-operator-system", "--wait=false")
    .catch(() => "");
});

/**
 * The manifests as generated, adapted to this cluster only where it differs from a real one:
 * its API server listens on the node's loopback and there is no kube-proxy, so the pod uses the
 * host network (which Pod Security's restricted level forbids) and names the API server itself.
 */
function localManifests(image: string, apiPort: string, healthPort: number): Json[] {
  const objects = operatorManifests(image) as Json[];
  for (const object of objects) {
    if (object.kind === "Namespace")
      delete object.metadata.labels["pod-security.kubernetes.io/enforce"];
    if (object.kind !== "Deployment") continue;
    const pod = object.spec.template.spec;
    pod.hostNetwork = true;
    const [container] = pod.containers;
    container.args = ["--leader-elect", `--health-probe-bind-address=:${healthPort}`];
    container.ports = [{ name: "health", containerPort: healthPort }];
    container.livenessProbe.httpGet.port = healthPort;
    container.readinessProbe.httpGet.port = healthPort;
    container.readinessProbe.initialDelaySeconds = 1;
    container.readinessProbe.periodSeconds = 1;
    container.env = [
      { name: "KUBERNETES_SERVICE_HOST", value: "127.0.0.1" },
      { name: "KUBERNETES_SERVICE_PORT", value: apiPort },
    ];
  }
  return objects;
}

test("in a pod with the in-cluster account: ready, leader, and reconciling a Component", async () => {
  const image = `${cluster.registry}/vimana-operator:e2e`;
  const push = Bun.spawnSync(
    [process.execPath, join(import.meta.dir, "main.ts"), "image", "--push", image, "--insecure"],
    { stdout: "pipe", stderr: "pipe" },
  );
  expect(push.exitCode, `${push.stderr}`).toBe(0);

  const apiPort = new URL(cluster.server).port;
  const manifests = localManifests(image, apiPort, freeLoopbackPort());
  await cluster.apply(manifests.map((o) => JSON.stringify(o)).join("\n---\n"));
  await cluster.kubectl(
    "wait",
    "--namespace=vimana-operator-system",
    "--for=condition=Available",
    "deployment/vimana-operator-controller-manager",
    "--timeout=180s",
  );

  const client = KubeClient.load({ kubeconfig: cluster.kubeconfig });
  const lease = await client.get<KubeObject & { spec: { holderIdentity?: string } }>(
    resourceTypes.lease,
    "vimana-operator-system",
    "72b74836.vimana.host",
  );
  // `<hostname>_<uuid>`; with the host network, the hostname is the node's.
  expect(lease.spec.holderIdentity).toMatch(/^\S+_[0-9a-f-]{36}$/);

  await client.create(resourceTypes.component, {
    apiVersion: "api.vimana.host/v1alpha1",
    kind: "Component",
    metadata: { name: "in-cluster", namespace: "default" },
    spec: {
      domain: "0123456789abcdef0123456789abcdef",
      server: "in-cluster",
      version: "1.0.0",
      image: `${cluster.registry}/0123456789abcdef0123456789abcdef/in-cluster:1.0.0`,
    },
  });
  await waitFor(
    "the in-cluster operator to make the Component Available",
    async () => {
      const live = await client.get<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(resourceTypes.component, "default", "in-cluster");
      return live.status?.conditions?.some((c) => c.type === "Available" && c.status === "True")
        ? true
        : undefined;
    },
    60_000,
  );
  await client.delete(resourceTypes.component, "default", "in-cluster");
}, 600_000);
