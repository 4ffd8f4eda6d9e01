// A one-node Kubernetes cluster whose kubelet talks to vimanad, for the kubelet acceptance
// suites: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kubelet built from
// their Go modules (scripts/kubernetes), in front of the runtime fixtures' vimanad, containerd
// and registry. Every process is a tracked fixture (test/preload.ts kills what a test leaves).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ensureBinaries } from "../../../scripts/kubernetes/index.ts";
import { RUNTIME_HANDLER } from "../../../src/names/index.ts";
import { startContainerd, startRegistry } from "../fixtures/index.ts";
import { freeLoopbackPort } from "../fixtures/ports.ts";
import { createFixtureDir, ServiceProcess } from "../fixtures/process.ts";
import { type Stack, startVimanad } from "../vimanad.ts";
import { type OrdinaryImages, pushOrdinaryImages } from "./ordinary-images.ts";

export interface KubeletClusterOptions {
  /** kubelet's feature gates, e.g. `{ RuntimeClassInImageCriApi: true }`; none by default. */
  readonly featureGates?: Readonly<Record<string, boolean>>;
}

export interface KubeletCluster {
  /** containerd, the registry (insecure for vimanad and containerd) and vimanad, kubelet's runtime. */
  readonly stack: Omit<Stack, "stop">;
  /** Images for ordinary pods in the registry; `pause` is containerd's sandbox image. */
  readonly images: OrdinaryImages;
  readonly kubeconfig: string;
  readonly nodeName: string;
  /** Runs kubectl; resolves stdout, throws with stderr if it fails. */
  kubectl(...args: string[]): string;
  /** `kubectl apply -f -` of these manifests (YAML or JSON). */
  apply(manifests: string): void;
  /** Stops kubelet and starts it again with the same configuration and state. */
  restartKubelet(): Promise<void>;
  /** Stops everything, kubelet first. */
  stop(): Promise<void>;
}

const NODE_NAME = "vimana-node";

/** The RuntimeClass the operator creates (ref §7): Vimana pods name it. */
const RUNTIME_CLASS = JSON.stringify({
  apiVersion: "node.k8s.io/v1",
  kind: "RuntimeClass",
  metadata: { name: "vimana-runtime" },
  handler: RUNTIME_HANDLER,
});

/** kubectl with its arguments; a Buffer first is its stdin. */
type Kubectl = (...args: [Buffer, ...string[]] | string[]) => string;

function apply(kubectl: Kubectl, manifests: string): void {
  kubectl(Buffer.from(manifests), "apply", "-f", "-");
}

/** kubelet refuses a loopback node IP, and the API server reaches kubelet on it. */
function hostAddress(): string {
  const out = Bun.spawnSync([
    "ip",
    "-4",
    "-o",
    "addr",
    "show",
    "scope",
    "global",
  ]).stdout.toString();
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1];
  if (address === undefined) {
    throw new Error(`kubelet cluster: the host has no global IPv4 address for the node:\n${out}`);
  }
  return address;
}

/** Polls `ready` (true when done) until `timeoutMs`, then fails naming `what`. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  ready: () => boolean | Promise<boolean>,
  detail: () => string = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await Bun.sleep(250);
  }
}

export async function startKubeletCluster(
  options: KubeletClusterOptions = {},
): Promise<KubeletCluster> {
  const bins = await ensureBinaries({
    only: [
      "etcd",
      "kube-apiserver",
      "kube-controller-manager",
      "kube-scheduler",
      "kubelet",
      "kubectl",
    ],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const nodeIp = hostAddress();
  const dir = await createFixtureDir("kubelet-cluster");
  const services: ServiceProcess[] = [];
  let stack: KubeletCluster["stack"] | undefined;
  let images: OrdinaryImages | undefined;
  let kubelet: ServiceProcess | undefined;
  /** What stops the runtime fixtures, in the order they started. */
  const stoppers: (() => Promise<unknown>)[] = [];
  // The bridge plugin makes it in the host's namespace and never deletes it: stop() does.
  const bridge = `vt${crypto.randomUUID().slice(0, 8)}`;
  const stop = async () => {
    await kubelet?.stop();
    for (const service of services.reverse()) await service.stop();
    for (const stopper of stoppers.reverse()) await stopper();
    Bun.spawnSync(["ip", "link", "delete", bridge], { stderr: "ignore" });
    // kubelet bind-mounts its root dir onto itself (to make it rshared): unmount before removing.
    const root = join(dir, "kubelet-root");
    if (readFileSync("/proc/mounts", "utf8").includes(` ${root} `)) {
      Bun.spawnSync(["umount", "--recursive", root]);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const registry = await startRegistry();
    stoppers.push(() => registry.stop());
    images = await pushOrdinaryImages(registry.host, dir);
    const containerd = await startContainerd({
      sandboxImage: images.pause,
      insecureRegistry: registry.host,
    });
    stoppers.push(() => containerd.stop());
    // Vimana pods serve on port 80 of their own loopback address, as in production.
    const vimanad = await startVimanad({
      downstream: containerd.socket,
      insecureRegistries: [registry.host],
      dataplanePort: 80,
    });
    stoppers.push(() => vimanad.cleanUp());
    stack = { containerd, registry, vimanad };
    // containerd reports NetworkReady (part of the node's Ready) only with a CNI network.
    writeFileSync(
      join(stack.containerd.dir, "cni", "10-vimana-test.conflist"),
      JSON.stringify({
        cniVersion: "1.0.0",
        name: "vimana-test",
        plugins: [
          {
            type: "bridge",
            bridge,
            isGateway: true,
            ipam: {
              type: "host-local",
              ranges: [[{ subnet: "10.89.0.0/24" }]],
              dataDir: join(dir, "cni-ipam"),
            },
          },
        ],
      }),
    );
    const token = crypto.randomUUID();
    writeFileSync(join(dir, "tokens.csv"), `${token},admin,admin,system:masters\n`);
    Bun.spawnSync(["openssl", "genrsa", "-out", join(dir, "sa.key"), "2048"], { stderr: "ignore" });
    const [etcdPort, peerPort, apiPort, schedulerPort, kubeletPort, healthzPort] = Array.from(
      { length: 6 },
      freeLoopbackPort,
    );
    const start = async (name: string, command: string[]) => {
      const service = new ServiceProcess(name, await createFixtureDir(name), command);
      services.push(service);
      return service;
    };
    await start("etcd", [
      bins.etcd,
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      "--unsafe-no-fsync",
    ]);
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = await start("kube-apiserver", [
      bins["kube-apiserver"],
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      "--bind-address=127.0.0.1",
      `--advertise-address=${nodeIp}`,
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      "--authorization-mode=AlwaysAllow",
      `--service-account-key-file=${join(dir, "sa.key")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--kubelet-preferred-address-types=InternalIP",
    ]);
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "local", cluster: { server, "insecure-skip-tls-verify": true } }],
        users: [{ name: "admin", user: { token } }],
        contexts: [{ name: "local", context: { cluster: "local", user: "admin" } }],
        "current-context": "local",
      }),
    );
    const kubectl: Kubectl = (...args) => {
      const [input, rest] =
        args[0] instanceof Buffer
          ? [args[0], args.slice(1) as string[]]
          : [undefined, args as string[]];
      const result = Bun.spawnSync([bins.kubectl, `--kubeconfig=${kubeconfig}`, ...rest], {
        timeout: 120_000,
        stdin: input ?? "ignore",
      });
      if (result.exitCode !== 0) {
        throw new Error(`kubectl ${rest.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
      }
      return result.stdout.toString();
    };
    await apiserver.waitUntilReady({
      what: "GET /readyz → 200",
      timeoutMs: 120_000,
      context: `server: ${server}`,
      probe: async () => {
        const answer = await fetch(`${server}/readyz`, {
          headers: { authorization: `Bearer ${token}` },
          tls: { rejectUnauthorized: false },
        }).catch((error: Error) => error);
        return answer instanceof Response && answer.ok
          ? true
          : String(answer instanceof Response ? answer.status : answer.message);
      },
    });
    await start("kube-controller-manager", [
      bins["kube-controller-manager"],
      `--kubeconfig=${kubeconfig}`,
      "--leader-elect=false",
      "--secure-port=0",
      `--service-account-private-key-file=${join(dir, "sa.key")}`,
      "--use-service-account-credentials=false",
    ]);
    await start("kube-scheduler", [
      bins["kube-scheduler"],
      `--kubeconfig=${kubeconfig}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${schedulerPort}`,
    ]);
    const gates = Object.entries(options.featureGates ?? {});
    const kubeletConfig = join(dir, "kubelet.json");
    writeFileSync(
      kubeletConfig,
      JSON.stringify({
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        address: nodeIp,
        port: kubeletPort,
        healthzBindAddress: "127.0.0.1",
        healthzPort,
        readOnlyPort: 0,
        authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
        authorization: { mode: "AlwaysAllow" },
        containerRuntimeEndpoint: `unix://${stack.vimanad.socket}`,
        podLogsDir: join(dir, "pod-logs"),
        resolvConf: "",
        // What these machines need (DESIGN.md): swap on, cgroup v1 without per-QoS cgroups.
        failSwapOn: false,
        cgroupDriver: "cgroupfs",
        cgroupsPerQOS: false,
        enforceNodeAllocatable: [],
        // A small shared disk must not evict the test's pods.
        evictionHard: {
          "memory.available": "1Mi",
          "nodefs.available": "1%",
          "imagefs.available": "1%",
        },
        imageGCHighThresholdPercent: 100,
        maxPods: 110,
        featureGates: Object.fromEntries(gates),
      }),
    );
    mkdirSync(join(dir, "kubelet-root"), { recursive: true });
    const kubeletCommand = [
      bins.kubelet,
      `--kubeconfig=${kubeconfig}`,
      `--config=${kubeletConfig}`,
      `--root-dir=${join(dir, "kubelet-root")}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${nodeIp}`,
    ];
    const startKubelet = async () => {
      kubelet = new ServiceProcess("kubelet", await createFixtureDir("kubelet"), kubeletCommand);
      await kubelet.waitUntilReady({
        what: `node ${NODE_NAME} Ready`,
        timeoutMs: 120_000,
        context: `config: ${kubeletConfig}`,
        probe: async () => {
          try {
            const status = kubectl(
              "get",
              "node",
              NODE_NAME,
              "-o",
              "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
            );
            return status === "True" ? true : `Ready=${status}`;
          } catch (error) {
            return (error as Error).message;
          }
        },
      });
    };
    await startKubelet();
    apply(kubectl, RUNTIME_CLASS);
    await waitFor("the default ServiceAccount (kube-controller-manager creates it)", 60_000, () => {
      try {
        kubectl("get", "serviceaccount", "default");
        return true;
      } catch {
        return false;
      }
    });
    return {
      stack,
      images,
      kubeconfig,
      nodeName: NODE_NAME,
      kubectl,
      apply: (manifests) => apply(kubectl, manifests),
      async restartKubelet() {
        await kubelet?.stop();
        await startKubelet();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
