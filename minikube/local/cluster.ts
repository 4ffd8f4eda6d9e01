// The whole node: control plane, registry, containerd, vimanad in front of it, kubelet talking
// to vimanad. Everything under one state directory, every process with a pid file.
import { existsSync, readFileSync } from "node:fs";
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type BinaryPaths, ensureBinaries } from "../../scripts/kubernetes/index.ts";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { waitFor } from "./api.ts";
import {
  type ControlPlane,
  type FeatureGates,
  startControllers,
  startControlPlane,
} from "./control-plane.ts";
import { startGateway } from "./gateway/index.ts";
import { pushLocalImages } from "./images.ts";
import {
  bridgeConflist,
  containerdConfig,
  insecureRegistryHosts,
  kubeletConfig,
  registryConfig,
} from "./node-config.ts";
import { freePort } from "./ports.ts";
import { logPath, logTail, runningPid, startProcess, stopProcess } from "./processes.ts";
import { linksFile, stopAll } from "./teardown.ts";

export const RUNTIME_CLASS = "vimana-runtime";

const serviceTimeoutMs = 30_000;
const nodeReadyTimeoutMs = 120_000;
// sun_path holds 108 bytes including the terminating NUL.
const maxSocketPathBytes = 107;

export interface ClusterOptions {
  /** Everything lives here; `stop()` removes it. */
  readonly stateDir: string;
  /** The compiled vimanad (`bun run build` → dist/vimanad). */
  readonly vimanad: string;
  /** For every component (kube-apiserver, controllers, kubelet). */
  readonly featureGates?: FeatureGates;
  /** Port each Vimana pod serves on (vimanad --dataplane-port); 80 by default. */
  readonly dataplanePort?: number;
  readonly nodeName?: string;
  /** Also run Envoy Gateway in host mode (./gateway): the cluster's Gateway API implementation. */
  readonly gateway?: boolean;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** What `cluster.json` records, for `status`, `down` and restarting kubelet. */
export interface ClusterState {
  readonly stateDir: string;
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly server: string;
  /** Admin kubeconfig. */
  readonly kubeconfig: string;
  /** `127.0.0.1:<port>`: served over plain HTTP, trusted by containerd and vimanad. */
  readonly registry: string;
  readonly containerdSocket: string;
  readonly vimanadSocket: string;
  readonly vimanadLog: string;
  /** How vimanad was started: `bun run hotswap` starts the next one so, with --takeover. */
  readonly vimanadCommand: readonly string[];
  readonly dataplanePort: number;
  readonly pauseImage: string;
  readonly busyboxImage: string;
  readonly kubectl: string;
  readonly crictl: string;
  readonly kubeletCommand: readonly string[];
  readonly featureGates: FeatureGates;
}

export interface LocalCluster extends ClusterState {
  /** Stops kubelet and starts it again with the same configuration. */
  restartKubelet(): Promise<void>;
  /** Stops everything (pods first) and removes the state directory. Idempotent. */
  stop(): Promise<void>;
}

function stateFile(stateDir: string): string {
  return join(stateDir, "cluster.json");
}

export function readClusterState(stateDir: string): ClusterState | undefined {
  const file = stateFile(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ClusterState) : undefined;
}

export async function writeClusterState(state: ClusterState): Promise<void> {
  await writeFile(stateFile(state.stateDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** The host's first global IPv4 address: kubelet refuses a loopback node IP. */
function nodeAddress(): string {
  const out = Bun.spawnSync(["ip", "-4", "-o", "addr", "show", "scope", "global"]);
  const match = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(`${out.stdout}`);
  if (match?.[1] === undefined) {
    throw new Error(
      "the node needs a non-loopback IPv4 address (`ip -4 addr show scope global` lists none)",
    );
  }
  return match[1];
}

function isCgroupV2(): boolean {
  return existsSync("/sys/fs/cgroup/cgroup.controllers");
}

function randomByte(low: number, high: number): number {
  return low + Math.floor(Math.random() * (high - low + 1));
}

async function waitForProcess(
  stateDir: string,
  name: string,
  what: string,
  probe: () => Promise<true | string>,
): Promise<void> {
  await waitFor(
    `${name}: ${what}`,
    serviceTimeoutMs,
    async () => {
      if (runningPid(stateDir, name) === undefined) throw new Error(`${name} exited`);
      return probe();
    },
    () => logTail(stateDir, name),
  );
}

async function startRegistry(stateDir: string): Promise<string> {
  const host = `127.0.0.1:${freePort()}`;
  const dir = join(stateDir, "registry");
  await mkdir(dir, { recursive: true });
  const configPath = join(dir, "config.yml");
  await writeFile(configPath, registryConfig(join(dir, "storage"), host, crypto.randomUUID()));
  // REGISTRY_* variables override the config file; a stray one must not redirect it.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("REGISTRY_")),
  );
  startProcess(stateDir, "registry", ["docker-registry", "serve", configPath], env);
  await waitForProcess(stateDir, "registry", `GET http://${host}/v2/`, async () => {
    const response = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status === 200 || `answered ${response.status}`;
  });
  return host;
}

async function startContainerd(
  stateDir: string,
  crictl: string,
  registry: string,
  pauseImage: string,
): Promise<string> {
  const dir = join(stateDir, "containerd");
  const paths = {
    root: join(dir, "root"),
    state: join(dir, "state"),
    socket: join(dir, "containerd.sock"),
    opt: join(dir, "opt"),
    cniConfDir: join(dir, "cni"),
    registryConfigDir: join(dir, "registries"),
  };
  if (Buffer.byteLength(`${paths.socket}.ttrpc`) > maxSocketPathBytes) {
    throw new Error(`state directory ${stateDir} is too long for containerd's socket paths`);
  }
  await mkdir(join(paths.registryConfigDir, registry), { recursive: true });
  await writeFile(
    join(paths.registryConfigDir, registry, "hosts.toml"),
    insecureRegistryHosts(registry),
  );
  await mkdir(paths.cniConfDir, { recursive: true });
  const id = crypto.randomUUID().slice(0, 6);
  const bridge = `vmn${id}`;
  const subnet = `10.${randomByte(151, 250)}.${randomByte(0, 255)}.0/24`;
  await appendFile(linksFile(stateDir), `${bridge}\n`);
  await writeFile(
    join(paths.cniConfDir, "10-bridge.conflist"),
    bridgeConflist(`vimana-${id}`, bridge, subnet, join(dir, "cni-ipam")),
  );
  const configPath = join(dir, "config.toml");
  await writeFile(configPath, containerdConfig(paths, pauseImage));
  startProcess(stateDir, "containerd", ["containerd", "--config", configPath]);
  await waitForProcess(stateDir, "containerd", `CRI on ${paths.socket}`, async () => {
    if (!existsSync(paths.socket)) return `${paths.socket} does not exist yet`;
    const version = Bun.spawnSync([
      crictl,
      `--runtime-endpoint=unix://${paths.socket}`,
      "--timeout=2s",
      "version",
    ]);
    return version.exitCode === 0 || `crictl version: ${version.stderr}`;
  });
  return paths.socket;
}

async function startVimanad(
  stateDir: string,
  options: { vimanad: string; containerdSocket: string; registry: string; dataplanePort: number },
): Promise<{ socket: string; command: string[] }> {
  const dir = join(stateDir, "vimanad");
  const socket = join(dir, "vimanad.sock");
  await mkdir(dir, { recursive: true });
  // Pod addresses from a subnet of this cluster's own (CNI host-local, as in production) on a
  // portless bridge, since these kernels lack the dummy driver: loopback addresses would
  // collide with any other vimanad on the host.
  const link = `vmd${crypto.randomUUID().slice(0, 6)}`;
  const subnet = `10.${randomByte(64, 150)}.${randomByte(0, 255)}.0/24`;
  await appendFile(linksFile(stateDir), `${link}\n`);
  for (const args of [
    ["link", "add", link, "type", "bridge"],
    ["link", "set", link, "up"],
  ]) {
    const ip = Bun.spawnSync(["ip", ...args]);
    if (ip.exitCode !== 0) throw new Error(`ip ${args.join(" ")} failed: ${ip.stderr}`);
  }
  const command = [
    options.vimanad,
    `--incoming=${socket}`,
    `--downstream=${options.containerdSocket}`,
    `--image-store=${join(dir, "images")}`,
    `--state-dir=${join(dir, "state")}`,
    `--insecure-registries=${options.registry}`,
    "--ipam=host-local",
    `--network-interface=${link}`,
    `--pod-ips=${subnet}`,
    `--ipam-data-dir=${join(dir, "ipam")}`,
    `--ipam-network-name=vimana-${link}`,
    `--dataplane-port=${options.dataplanePort}`,
    "--log-format=json",
  ];
  startProcess(stateDir, "vimanad", command);
  await waitForProcess(stateDir, "vimanad", "Serving CRI", async () => {
    const log = readFileSync(logPath(stateDir, "vimanad"), "utf8");
    return log.includes('"msg":"Serving CRI"') || "not serving yet";
  });
  return { socket, command };
}

async function kubeletCommand(
  stateDir: string,
  plane: ControlPlane,
  binaries: BinaryPaths,
  settings: { nodeName: string; nodeIp: string; vimanadSocket: string; featureGates: FeatureGates },
): Promise<string[]> {
  const dir = join(stateDir, "kubelet");
  await mkdir(dir, { recursive: true });
  const configPath = join(dir, "config.yaml");
  await writeFile(
    configPath,
    kubeletConfig({
      nodeIp: settings.nodeIp,
      port: freePort(settings.nodeIp),
      healthzPort: freePort(),
      caCert: plane.pki.caCert,
      runtimeEndpoint: `unix://${settings.vimanadSocket}`,
      featureGates: settings.featureGates,
      cgroupV2: isCgroupV2(),
      podLogsDir: join(dir, "pod-logs"),
    }),
  );
  return [
    binaries.kubelet,
    `--config=${configPath}`,
    `--kubeconfig=${join(stateDir, "node.kubeconfig")}`,
    `--root-dir=${join(dir, "root")}`,
    `--cert-dir=${join(dir, "pki")}`,
    `--hostname-override=${settings.nodeName}`,
    `--node-ip=${settings.nodeIp}`,
  ];
}

interface NodeStatus {
  status?: {
    conditions?: { type: string; status: string; message?: string; lastHeartbeatTime?: string }[];
  };
}

/** Until the node is Ready with a heartbeat from `since` on (a restarted kubelet's, say). */
async function waitForNodeReady(
  stateDir: string,
  plane: ControlPlane,
  nodeName: string,
  since = 0,
): Promise<void> {
  // Heartbeats have second resolution.
  const sinceSecond = Math.floor(since / 1000) * 1000;
  await waitFor(
    `node ${nodeName} Ready`,
    nodeReadyTimeoutMs,
    async () => {
      if (runningPid(stateDir, "kubelet") === undefined) throw new Error("kubelet exited");
      const node = (await plane.api.get(`/api/v1/nodes/${nodeName}`)) as NodeStatus | undefined;
      if (node === undefined) return "not registered yet";
      const ready = node.status?.conditions?.find((c) => c.type === "Ready");
      if (ready?.status !== "True") return `Ready=${ready?.status}: ${ready?.message ?? ""}`;
      const heartbeat = Date.parse(ready.lastHeartbeatTime ?? "");
      return heartbeat >= sinceSecond || `last heartbeat ${ready.lastHeartbeatTime} is older`;
    },
    () => logTail(stateDir, "kubelet"),
  );
}

/** Pods first (containerd's shims and containers), then every process, mounts, the bridge. */
export async function stopLocalCluster(
  stateDir: string,
  options: { remove: boolean },
): Promise<void> {
  const state = readClusterState(stateDir);
  await stopAll(stateDir, {
    remove: options.remove,
    async beforeContainerd() {
      if (state === undefined || runningPid(stateDir, "containerd") === undefined) return;
      Bun.spawnSync([
        state.crictl,
        `--runtime-endpoint=unix://${state.containerdSocket}`,
        "rmp",
        "--force",
        "--all",
      ]);
    },
  });
}

export async function startLocalCluster(options: ClusterOptions): Promise<LocalCluster> {
  const log = options.log ?? (() => {});
  const { stateDir } = options;
  const featureGates = options.featureGates ?? {};
  const nodeName = options.nodeName ?? "vimana-node";
  const dataplanePort = options.dataplanePort ?? 80;
  const binaries = await ensureBinaries({ log });
  await mkdir(stateDir, { recursive: true });
  try {
    const nodeIp = nodeAddress();
    log(`starting etcd and kube-apiserver in ${stateDir}`);
    const plane = await startControlPlane(stateDir, {
      etcd: binaries.etcd,
      kubeApiServer: binaries["kube-apiserver"],
      featureGates,
      nodeName,
      nodeIp,
    });
    startControllers(plane, {
      kubeControllerManager: binaries["kube-controller-manager"],
      kubeScheduler: binaries["kube-scheduler"],
      featureGates,
    });
    log("starting the registry and pushing the pause and busybox images");
    const registry = await startRegistry(stateDir);
    const images = await pushLocalImages(registry, stateDir);
    log("starting containerd and vimanad");
    const containerdSocket = await startContainerd(
      stateDir,
      binaries.crictl,
      registry,
      images.pause,
    );
    const vimanad = await startVimanad(stateDir, {
      vimanad: options.vimanad,
      containerdSocket,
      registry,
      dataplanePort,
    });
    const vimanadSocket = vimanad.socket;
    const command = await kubeletCommand(stateDir, plane, binaries, {
      nodeName,
      nodeIp,
      vimanadSocket,
      featureGates,
    });
    const state: ClusterState = {
      stateDir,
      nodeName,
      nodeIp,
      server: plane.server,
      kubeconfig: plane.kubeconfig,
      registry,
      containerdSocket,
      vimanadSocket,
      vimanadLog: logPath(stateDir, "vimanad"),
      vimanadCommand: vimanad.command,
      dataplanePort,
      pauseImage: images.pause,
      busyboxImage: images.busybox,
      kubectl: binaries.kubectl,
      crictl: binaries.crictl,
      kubeletCommand: command,
      featureGates,
    };
    await writeClusterState(state);
    log(`starting kubelet (node ${nodeName}, ${nodeIp}) and waiting for the node to be Ready`);
    startProcess(stateDir, "kubelet", command);
    await waitForNodeReady(stateDir, plane, nodeName);
    await plane.api.create("/apis/node.k8s.io/v1/runtimeclasses", {
      apiVersion: "node.k8s.io/v1",
      kind: "RuntimeClass",
      metadata: { name: RUNTIME_CLASS },
      handler: RUNTIME_HANDLER,
    });
    // Pods cannot be created in a namespace before the controller-manager made its account.
    await waitFor(
      "the default ServiceAccount",
      serviceTimeoutMs,
      async () =>
        (await plane.api.get("/api/v1/namespaces/default/serviceaccounts/default")) !== undefined ||
        "not created yet",
      () => logTail(stateDir, "kube-controller-manager"),
    );
    if (options.gateway === true) {
      await startGateway({
        stateDir,
        kubectl: binaries.kubectl,
        kubeconfig: plane.kubeconfig,
        log,
      });
    }
    let stopping: Promise<void> | undefined;
    return {
      ...state,
      async restartKubelet() {
        await stopProcess(stateDir, "kubelet");
        const restarted = Date.now();
        startProcess(stateDir, "kubelet", command);
        await waitForNodeReady(stateDir, plane, nodeName, restarted);
      },
      stop() {
        stopping ??= stopLocalCluster(stateDir, { remove: true });
        return stopping;
      },
    };
  } catch (error) {
    await stopLocalCluster(stateDir, { remove: false });
    throw new Error(`${(error as Error).message}\nstate and logs kept in ${stateDir}`, {
      cause: error,
    });
  }
}
