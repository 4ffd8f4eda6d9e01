// bun run cluster:create PROFILE / cluster:destroy PROFILE: a kOps cluster on GCE whose nodes
// run the latest node image of the profile's family, with vimanad as kubelet's runtime, Envoy
// Gateway and the operator (ref §9.3). A failed create deletes what kOps made.

import { type Steps, shellQuote } from "../minikube/index.ts";
import { envoyGatewayVersion } from "../scripts/kubernetes/index.ts";
import { manifestsYaml, OPERATOR_NAMESPACE } from "../src/operator/manifests/index.ts";
import type { Profile } from "./profiles.ts";

/** vimanad's CRI socket on the node: kubelet's container runtime endpoint. */
export const VIMANAD_SOCKET = "/run/vimana/vimanad.sock";

function kopsDelete(profile: Profile): string[] {
  return [
    "kops",
    "delete",
    "cluster",
    profile.clusterName,
    `--state=${profile.stateStore}`,
    "--yes",
  ];
}

export function kopsCreate(profile: Profile, image: string): string[] {
  return [
    "kops",
    "create",
    "cluster",
    profile.clusterName,
    "--cloud=gce",
    `--project=${profile.project}`,
    `--image=${profile.imageProject}/${image}`,
    `--state=${profile.stateStore}`,
    `--zones=${profile.zone}`,
    "--control-plane-count=1",
    `--control-plane-size=${profile.machineType}`,
    "--node-count=1",
    `--node-size=${profile.machineType}`,
    "--networking=kube-router",
    "--kubernetes-feature-gates=+RuntimeClassInImageCriApi",
    "--set=spec.containerd.skipInstall=true",
    `--set=spec.containerd.address=${VIMANAD_SOCKET}`,
    "--yes",
  ];
}

export async function createCluster(steps: Steps, profile: Profile): Promise<void> {
  const image = await steps.step(
    `find the latest image of family ${profile.imageFamily}`,
    [],
    async () => {
      const found = await steps.run([
        "gcloud",
        "compute",
        "images",
        "describe-from-family",
        profile.imageFamily,
        `--project=${profile.imageProject}`,
        "--format=value(name)",
      ]);
      const name = found.stdout.trim();
      if (name === "" && !steps.dryRun)
        steps.fail(`family ${profile.imageFamily} has no image: run bun run node-image`);
      return name || `IMAGE-OF-${profile.imageFamily}`;
    },
  );
  let created = false;
  try {
    await steps.step(`create cluster ${profile.clusterName} (kOps)`, [], async () => {
      created = true;
      await steps.run(kopsCreate(profile, image));
    });
    await steps.step(
      "wait for the API server (up to 300 s) and export its kubeconfig",
      [],
      async () => {
        await steps.run([
          "kops",
          "export",
          "kubeconfig",
          profile.clusterName,
          `--state=${profile.stateStore}`,
          "--admin",
        ]);
        await steps.run([
          "kops",
          "validate",
          "cluster",
          profile.clusterName,
          `--state=${profile.stateStore}`,
          "--wait=300s",
        ]);
      },
    );
    await steps.step(`install Envoy Gateway ${envoyGatewayVersion} (helm)`, [], async () => {
      await steps.run([
        "helm",
        "install",
        "envoy-gateway",
        "oci://docker.io/envoyproxy/gateway-helm",
        `--version=${envoyGatewayVersion}`,
        "--namespace=envoy-gateway-system",
        "--create-namespace",
        "--set=config.envoyGateway.provider.kubernetes.deploy.type=GatewayNamespace",
      ]);
    });
    await steps.step("deploy the operator", [], async () => {
      await steps.run(["kubectl", "apply", "--server-side", "--force-conflicts", "-f", "-"], {
        input: manifestsYaml(profile.operatorImage),
      });
      await steps.run([
        "kubectl",
        "wait",
        `--namespace=${OPERATOR_NAMESPACE}`,
        "--for=condition=Available",
        "deployment",
        "--all",
        "--timeout=300s",
      ]);
    });
    steps.say(`cluster ${profile.clusterName} is up; kubectl now points at it`);
  } catch (error) {
    if (created && !steps.dryRun) {
      steps.say(`deleting the half-made cluster ${profile.clusterName}`);
      const result = await steps.run(kopsDelete(profile), { mayFail: true });
      if (result.code !== 0)
        steps.say(`that failed too; run it yourself: ${shellQuote(kopsDelete(profile))}`);
    }
    throw error;
  }
}

export async function destroyCluster(steps: Steps, profile: Profile): Promise<void> {
  await steps.step(`delete cluster ${profile.clusterName} (kOps)`, [], async () => {
    await steps.run(kopsDelete(profile));
  });
}
