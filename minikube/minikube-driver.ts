// restart and hotswap on stock minikube (docker driver, containerd), as ref §9.1/§9.2 describe
// the original's, without its forked minikube and custom base image: vimanad is copied into the
// node and kubelet pointed at it after the node is up.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envoyGatewayVersion } from "../scripts/kubernetes/index.ts";
import {
  type Builds,
  buildExecutables,
  operatorManifestsYaml,
  pushOperatorImage,
} from "./builds.ts";
import {
  NODE_BINARY_DIR,
  NODE_BUILD_FILE,
  NODE_CONFIG_PATH,
  NODE_REGISTRY_HOST,
  NODE_UNIT_PATH,
  NODE_VIMANAD_SOCKET,
  nodeBinary,
  pointKubeletScript,
  vimanadConfig,
  vimanadUnit,
  vimanadUnitName,
} from "./node-files.ts";
import type { Steps } from "./steps.ts";

/** minikube's docker container (the default profile's). */
export const NODE = "minikube";
export const REGISTRY_CONTAINER = "vimana-registry";
const OPERATOR_NAMESPACE = "vimana-operator-system";
const OPERATOR_DEPLOYMENT = "deployment/vimana-operator-controller-manager";
const WAIT = "--timeout=300s";
const TAKEOVER_TIMEOUT_MS = 90_000;

export interface MinikubeOptions {
  /** The host's registry, `localhost:PORT`; the node reaches it as host.minikube.internal:PORT. */
  readonly registryPort: number;
  /** Rebuild dist/ first (false: use it as it is). */
  readonly build: boolean;
}

const deleteCluster = ["minikube delete"];

async function registryAnswers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://localhost:${port}/v2/`, {
      signal: AbortSignal.timeout(2000),
    });
    await response.body?.cancel();
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  }
}

async function ensureRegistry(steps: Steps, port: number): Promise<void> {
  await steps.step(
    `a registry on localhost:${port}`,
    [`docker rm --force ${REGISTRY_CONTAINER}`],
    async () => {
      if (await registryAnswers(port)) {
        steps.say(`  one answers on localhost:${port}`);
        return;
      }
      await steps.run(["docker", "rm", "--force", REGISTRY_CONTAINER], { mayFail: true });
      await steps.run([
        "docker",
        "run",
        "--detach",
        "--restart=always",
        `--publish=${port}:5000`,
        `--name=${REGISTRY_CONTAINER}`,
        "registry:2",
      ]);
    },
  );
}

/** The operator image pushed from the host, its manifests naming it as the node pulls it. */
async function installOperator(steps: Steps, builds: Builds, port: number, cleanup: string[]) {
  await steps.step("push the operator image", cleanup, async () => {
    await pushOperatorImage(steps, builds, `localhost:${port}/vimana-operator:${builds.buildId}`);
  });
  await steps.step("apply the operator's manifests", cleanup, async () => {
    const image = `${NODE_REGISTRY_HOST}:${port}/vimana-operator:${builds.buildId}`;
    const yaml = await operatorManifestsYaml(steps, image);
    await steps.run(["kubectl", "apply", "--server-side", "--force-conflicts", "-f", "-"], {
      input: yaml,
    });
  });
}

/** Writes the unit and config to a temporary directory and copies them into the node. */
async function copyVimanad(steps: Steps, builds: Builds, port: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "vimana-node-"));
  try {
    const unit = join(dir, "vimanad@.service");
    const config = join(dir, "config.json");
    await writeFile(unit, vimanadUnit());
    await writeFile(config, vimanadConfig(`${NODE_REGISTRY_HOST}:${port}`));
    const exec = ["docker", "exec", NODE];
    await steps.run([...exec, "mkdir", "-p", NODE_BINARY_DIR, "/etc/vimana"]);
    await steps.run([
      "docker",
      "cp",
      "--follow-link",
      builds.vimanad,
      `${NODE}:${nodeBinary(builds.buildId)}`,
    ]);
    await steps.run(["docker", "cp", unit, `${NODE}:${NODE_UNIT_PATH}`]);
    await steps.run(["docker", "cp", config, `${NODE}:${NODE_CONFIG_PATH}`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Until CRI Version on the node's vimanad socket names `buildId`. */
async function waitForVimanad(steps: Steps, buildId: string): Promise<void> {
  const crictl = [
    "docker",
    "exec",
    NODE,
    "crictl",
    `--runtime-endpoint=unix://${NODE_VIMANAD_SOCKET}`,
    "version",
  ];
  if (steps.dryRun) {
    await steps.run(crictl);
    return;
  }
  const deadline = Date.now() + TAKEOVER_TIMEOUT_MS;
  for (;;) {
    const version = await steps.run(crictl, { mayFail: true });
    if (version.code === 0 && version.stdout.includes(`+${buildId}`)) return;
    if (Date.now() > deadline) {
      steps.fail(
        `vimanad build ${buildId} did not answer on ${NODE_VIMANAD_SOCKET} within ${TAKEOVER_TIMEOUT_MS / 1000} s; its log: docker exec ${NODE} journalctl -u ${vimanadUnitName(buildId)}\n${version.stdout}${version.stderr}`,
      );
    }
    await Bun.sleep(1000);
  }
}

export async function restartMinikube(
  steps: Steps,
  options: MinikubeOptions,
  minikubeArgs: readonly string[],
): Promise<void> {
  const port = options.registryPort;
  const builds = await buildExecutables(steps, options.build);
  await ensureRegistry(steps, port);
  await steps.step("delete the old cluster", [], async () => {
    await steps.run(["minikube", "delete"], { mayFail: true });
    await steps.run(["docker", "rm", "--force", NODE], { mayFail: true });
  });
  await steps.step("start minikube (docker driver, containerd)", deleteCluster, async () => {
    await steps.run([
      "minikube",
      "start",
      "--driver=docker",
      "--container-runtime=containerd",
      `--insecure-registry=${NODE_REGISTRY_HOST}:${port}`,
      "--feature-gates=RuntimeClassInImageCriApi=true",
      "--embed-certs",
      ...minikubeArgs,
    ]);
  });
  await steps.step("copy vimanad, its unit and config into the node", deleteCluster, () =>
    copyVimanad(steps, builds, port),
  );
  await steps.step("start vimanad", deleteCluster, async () => {
    await steps.run(["docker", "exec", NODE, "systemctl", "daemon-reload"]);
    await steps.run([
      "docker",
      "exec",
      NODE,
      "systemctl",
      "enable",
      "--now",
      vimanadUnitName(builds.buildId),
    ]);
    await steps.run([
      "docker",
      "exec",
      NODE,
      "sh",
      "-c",
      `echo ${builds.buildId} > ${NODE_BUILD_FILE}`,
    ]);
    await waitForVimanad(steps, builds.buildId);
  });
  await steps.step("point kubelet at vimanad and restart it", deleteCluster, async () => {
    await steps.run(["docker", "exec", NODE, "sh", "-c", pointKubeletScript()]);
    await steps.run(["kubectl", "wait", "--for=condition=Ready", "node", "--all", WAIT]);
  });
  await steps.step(
    `install Envoy Gateway ${envoyGatewayVersion} (helm)`,
    deleteCluster,
    async () => {
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
    },
  );
  await installOperator(steps, builds, port, deleteCluster);
  await steps.step("wait for the gateway and the operator", deleteCluster, async () => {
    await steps.run([
      "kubectl",
      "wait",
      "--namespace=envoy-gateway-system",
      "--for=condition=Available",
      "deployment/envoy-gateway",
      WAIT,
    ]);
    await steps.run([
      "kubectl",
      "wait",
      `--namespace=${OPERATOR_NAMESPACE}`,
      "--for=condition=Available",
      OPERATOR_DEPLOYMENT,
      WAIT,
    ]);
  });
  steps.say(`minikube runs vimanad build ${builds.buildId} and the operator. Next:
  sudo-persist minikube tunnel      # in another terminal: the gateway's LoadBalancer address
  vimana build && vimana push …     # push a component to localhost:${port} (docs/operator.md)
  kubectl apply -f your-domain.yaml # a Domain, Server and Component (docs/resources.md)
  bun run hotswap                   # after changing vimanad or the operator`);
}

export async function hotswapMinikube(steps: Steps, options: MinikubeOptions): Promise<void> {
  const port = options.registryPort;
  await steps.step("check that minikube runs", [], async () => {
    const status = await steps.run(["minikube", "status"], { mayFail: true });
    if (status.code !== 0)
      steps.fail("minikube is not running: start a cluster with `bun run restart`");
  });
  const builds = await buildExecutables(steps, options.build);
  const unit = vimanadUnitName(builds.buildId);
  const rollBack = [
    `docker exec ${NODE} systemctl disable ${unit}`,
    "bun run restart   # when in doubt",
  ];
  const previous = await steps.step("read the running vimanad's build", [], async () => {
    const read = await steps.run(["docker", "exec", NODE, "cat", NODE_BUILD_FILE], {
      mayFail: true,
    });
    return read.stdout.trim();
  });
  await steps.step("copy the new vimanad into the node", [], async () => {
    await steps.run([
      "docker",
      "cp",
      "--follow-link",
      builds.vimanad,
      `${NODE}:${nodeBinary(builds.buildId)}`,
    ]);
  });
  await steps.step("vimanad --takeover", rollBack, async () => {
    await steps.run(["docker", "exec", NODE, "systemctl", "enable", "--now", unit]);
    await waitForVimanad(steps, builds.buildId);
    await steps.run([
      "docker",
      "exec",
      NODE,
      "sh",
      "-c",
      `echo ${builds.buildId} > ${NODE_BUILD_FILE}`,
    ]);
  });
  if (previous !== "" && previous !== builds.buildId) {
    await steps.step(`retire build ${previous}`, [], async () => {
      await steps.run(["docker", "exec", NODE, "systemctl", "disable", vimanadUnitName(previous)]);
      await steps.run(["docker", "exec", NODE, "rm", "-f", nodeBinary(previous)]);
    });
  }
  await steps.step("push the operator image", [], async () => {
    await pushOperatorImage(steps, builds, `localhost:${port}/vimana-operator:${builds.buildId}`);
  });
  await steps.step("roll the operator to it", [], async () => {
    await steps.run([
      "kubectl",
      `--namespace=${OPERATOR_NAMESPACE}`,
      "set",
      "image",
      OPERATOR_DEPLOYMENT,
      `manager=${NODE_REGISTRY_HOST}:${port}/vimana-operator:${builds.buildId}`,
    ]);
    await steps.run([
      "kubectl",
      `--namespace=${OPERATOR_NAMESPACE}`,
      "rollout",
      "status",
      OPERATOR_DEPLOYMENT,
      WAIT,
    ]);
  });
  steps.say(`minikube runs vimanad and the operator of build ${builds.buildId}`);
}
