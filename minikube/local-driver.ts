// restart and hotswap on the local cluster of minikube/local (host processes, no Docker): the
// same steps as on minikube, with vimanad handed over in place by --takeover and the operator
// installed in the cluster from its image.
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import {
  type Builds,
  buildExecutables,
  operatorManifestsYaml,
  pushOperatorImage,
} from "./builds.ts";
import {
  type ClusterState,
  freePort,
  readClusterState,
  runningPid,
  startLocalCluster,
  stopLocalCluster,
  takeOverVimanad,
} from "./local/index.ts";
import type { Steps } from "./steps.ts";

const OPERATOR_NAMESPACE = "vimana-operator-system";
const OPERATOR_DEPLOYMENT = "deployment/vimana-operator-controller-manager";
const WAIT = "--timeout=300s";

export interface LocalOptions {
  readonly stateDir: string;
  /** Rebuild dist/ first (false: use it as it is). */
  readonly build: boolean;
  /** restart: Envoy Gateway in host mode with the cluster (minikube/local/gateway). */
  readonly gateway: boolean;
  /** Shown in hints: how to name this state directory on the command line. */
  readonly stateDirFlag: string;
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are edited as plain JSON
type Json = any;

/**
 * The operator's manifests as generated, changed only where this cluster differs from a real
 * one: its API server listens on the node's loopback and there is no kube-proxy, so the pod
 * uses the host network (which Pod Security's restricted level forbids) and names the API server
 * itself; with the host network, the old and the new pod cannot both hold the health port, so a
 * new image replaces the pod instead of rolling.
 */
export function localOperatorManifests(yaml: string, apiPort: string, healthPort: number): Json[] {
  const objects = parseAllDocuments(yaml)
    .map((document) => document.toJSON() as Json)
    .filter(Boolean);
  for (const object of objects) {
    if (object.kind === "Namespace")
      delete object.metadata.labels["pod-security.kubernetes.io/enforce"];
    if (object.kind !== "Deployment") continue;
    object.spec.strategy = { type: "Recreate" };
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

function kubectl(state: Pick<ClusterState, "kubectl" | "kubeconfig">, ...args: string[]): string[] {
  return [state.kubectl, `--kubeconfig=${state.kubeconfig}`, ...args];
}

/** A state for --dry-run, whose commands name what a real run would. */
function dryRunState(
  stateDir: string,
): Pick<ClusterState, "kubectl" | "kubeconfig" | "registry" | "server"> {
  return {
    kubectl: "kubectl",
    kubeconfig: join(stateDir, "admin.kubeconfig"),
    registry: "127.0.0.1:REGISTRY-PORT",
    server: "https://127.0.0.1:API-PORT",
  };
}

export async function restartLocal(steps: Steps, options: LocalOptions): Promise<void> {
  const { stateDir } = options;
  const down = [`bun run cluster down${options.stateDirFlag}`];
  const builds = await buildExecutables(steps, options.build);
  await steps.step(`stop the old cluster in ${stateDir}`, [], async () => {
    steps.say(`  > stop every process of ${stateDir} and remove it`);
    if (!steps.dryRun) await stopLocalCluster(stateDir, { remove: true });
  });
  const state = await steps.step("start the local cluster", down, async () => {
    const vimanad = join(stateDir, "bin", `vimanad-${builds.buildId}`);
    steps.say(
      `  > copy ${builds.vimanad} to ${vimanad}; start etcd, kube-apiserver, controllers, registry, containerd, vimanad, kubelet${options.gateway ? ", Envoy Gateway" : ""}`,
    );
    if (steps.dryRun) return dryRunState(stateDir);
    await mkdir(join(stateDir, "bin"), { recursive: true });
    await copyFile(builds.vimanad, vimanad);
    return startLocalCluster({
      stateDir,
      vimanad,
      gateway: options.gateway,
      log: (line) => steps.say(`  ${line}`),
    });
  });
  await installOperator(steps, builds, state, down);
  steps.say(`the local cluster runs vimanad build ${builds.buildId} and the operator. Next:
  kubectl:  ${state.kubectl} --kubeconfig=${state.kubeconfig} get pods -A
  push a component to ${state.registry} (vimana push --registry http://${state.registry} …, docs/operator.md)
  and apply a Domain, Server and Component (docs/resources.md); pods serve on their pod IPs
  bun run hotswap --driver local${options.stateDirFlag}   # after changing vimanad or the operator
  bun run cluster down${options.stateDirFlag}             # to stop it`);
}

async function installOperator(
  steps: Steps,
  builds: Builds,
  state: Pick<ClusterState, "kubectl" | "kubeconfig" | "registry" | "server">,
  cleanup: string[],
): Promise<void> {
  const image = `${state.registry}/vimana-operator:${builds.buildId}`;
  await steps.step("push the operator image", cleanup, async () => {
    await pushOperatorImage(steps, builds, image);
  });
  await steps.step("apply the operator's manifests (host network)", cleanup, async () => {
    const yaml = await operatorManifestsYaml(steps, image);
    const objects = steps.dryRun
      ? []
      : localOperatorManifests(yaml, new URL(state.server).port, freePort());
    await steps.run(kubectl(state, "apply", "--server-side", "--force-conflicts", "-f", "-"), {
      input: objects.map((object) => JSON.stringify(object)).join("\n---\n"),
    });
  });
  await steps.step("wait for the operator", cleanup, async () => {
    await steps.run(
      kubectl(
        state,
        `--namespace=${OPERATOR_NAMESPACE}`,
        "wait",
        "--for=condition=Available",
        OPERATOR_DEPLOYMENT,
        WAIT,
      ),
    );
  });
}

export interface LocalHotswapResult {
  readonly buildId: string;
  /** From the start of hotswap until the new vimanad served every pod. */
  readonly vimanadServingMs: number;
}

export async function hotswapLocal(
  steps: Steps,
  options: LocalOptions,
): Promise<LocalHotswapResult> {
  const { stateDir } = options;
  const state = await steps.step("check that the local cluster runs", [], async () => {
    const found = readClusterState(stateDir);
    if (found === undefined || runningPid(stateDir, "kube-apiserver") === undefined) {
      steps.fail(
        `no local cluster runs in ${stateDir}: start one with \`bun run restart --driver local${options.stateDirFlag}\``,
      );
    }
    return found;
  });
  const builds = await buildExecutables(steps, options.build);
  const vimanadServingMs = await steps.step("vimanad --takeover", [], async () => {
    const vimanad = join(stateDir, "bin", `vimanad-${builds.buildId}`);
    steps.say(
      `  > copy ${builds.vimanad} to ${vimanad}; start it with the running vimanad's flags and --takeover`,
    );
    if (steps.dryRun) return 0;
    await mkdir(join(stateDir, "bin"), { recursive: true });
    await copyFile(builds.vimanad, vimanad);
    const took = await takeOverVimanad(stateDir, vimanad);
    steps.say(
      `  pid ${took.pid} serves every pod after ${(took.servingMs / 1000).toFixed(2)} s; the old one exited after ${(took.oldExitedMs / 1000).toFixed(2)} s`,
    );
    return steps.elapsedMs();
  });
  const image = `${state.registry}/vimana-operator:${builds.buildId}`;
  await steps.step("push the operator image", [], async () => {
    await pushOperatorImage(steps, builds, image);
  });
  await steps.step("roll the operator to it", [], async () => {
    await steps.run(
      kubectl(
        state,
        `--namespace=${OPERATOR_NAMESPACE}`,
        "set",
        "image",
        OPERATOR_DEPLOYMENT,
        `manager=${image}`,
      ),
    );
    await steps.run(
      kubectl(
        state,
        `--namespace=${OPERATOR_NAMESPACE}`,
        "rollout",
        "status",
        OPERATOR_DEPLOYMENT,
        WAIT,
      ),
    );
  });
  steps.say(`the local cluster runs vimanad and the operator of build ${builds.buildId}`);
  return { buildId: builds.buildId, vimanadServingMs };
}
