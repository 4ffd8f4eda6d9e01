import {
  type FeatureGates,
  type LocalCluster,
  startLocalCluster,
} from "../../minikube/local/index.ts";
import { runKubectl } from "./kubectl.ts";
import { trackRunning } from "./live.ts";
import { freshStateDir } from "./state-dir.ts";

export interface ClusterFixture {
  readonly kubeconfig: string;
  readonly server: string;
  /** `kubectl ARGS…` with the admin kubeconfig: stdout, or an error with stderr. */
  kubectl(...args: string[]): Promise<string>;
  /** `kubectl apply -f -` of `yaml`. */
  apply(yaml: string): Promise<string>;
  readonly kubectlPath: string;
  readonly crictlPath: string;
  /** `127.0.0.1:<port>`, plain HTTP, trusted by containerd and vimanad. */
  readonly registry: string;
  readonly vimanadSocket: string;
  readonly vimanadLog: string;
  readonly containerdSocket: string;
  readonly nodeName: string;
  readonly nodeIp: string;
  /** The port Vimana pods serve on at their pod IP. */
  readonly dataplanePort: number;
  /** Locally built images for ordinary pods (the pause image is containerd's sandbox image). */
  readonly pauseImage: string;
  readonly busyboxImage: string;
  readonly featureGates: FeatureGates;
  readonly stateDir: string;
  restartKubelet(): Promise<void>;
  /** Stops a private cluster; a shared one stays up until the end of the test run. */
  stop(): Promise<void>;
}

export interface ClusterFixtureOptions {
  /** For kube-apiserver, the controllers and kubelet (e.g. RuntimeClassInImageCriApi). */
  readonly featureGates?: FeatureGates;
  /** A cluster of its own, stopped by stop(); by default one per feature-gate set is shared. */
  readonly private?: boolean;
}

const shared = new Map<string, Promise<LocalCluster>>();

function progress(line: string): void {
  console.log(`cluster fixture: ${line}`);
}

async function start(featureGates: FeatureGates): Promise<LocalCluster> {
  // Loaded on demand: test/preload.ts imports this folder, and most runs start no cluster.
  const { buildVimanad } = await import("../../runtime/tests/vimanad.ts");
  const vimanad = await buildVimanad();
  const cluster = await startLocalCluster({
    stateDir: freshStateDir("cluster"),
    vimanad,
    featureGates,
    log: progress,
  });
  trackRunning(cluster);
  return cluster;
}

/**
 * The whole node (control plane, registry, containerd, vimanad, kubelet), building binaries
 * and dist/vimanad first when needed. A shared cluster serves every file of the run: use
 * your own namespace or names. Node Ready, RuntimeClass vimana-runtime and the default
 * ServiceAccount exist when this resolves.
 */
export async function startCluster(options: ClusterFixtureOptions = {}): Promise<ClusterFixture> {
  const featureGates = options.featureGates ?? {};
  let cluster: LocalCluster;
  let stop: () => Promise<void> = async () => {};
  if (options.private === true) {
    cluster = await start(featureGates);
    stop = cluster.stop;
  } else {
    const key = JSON.stringify(Object.entries(featureGates).sort());
    const starting = shared.get(key) ?? start(featureGates);
    shared.set(key, starting);
    try {
      cluster = await starting;
    } catch (error) {
      shared.delete(key);
      throw error;
    }
  }
  const kubectl = (...args: string[]) => runKubectl(cluster.kubectl, cluster.kubeconfig, args);
  return {
    kubeconfig: cluster.kubeconfig,
    server: cluster.server,
    kubectl,
    apply: (yaml) => runKubectl(cluster.kubectl, cluster.kubeconfig, ["apply", "-f", "-"], yaml),
    kubectlPath: cluster.kubectl,
    crictlPath: cluster.crictl,
    registry: cluster.registry,
    vimanadSocket: cluster.vimanadSocket,
    vimanadLog: cluster.vimanadLog,
    containerdSocket: cluster.containerdSocket,
    nodeName: cluster.nodeName,
    nodeIp: cluster.nodeIp,
    dataplanePort: cluster.dataplanePort,
    pauseImage: cluster.pauseImage,
    busyboxImage: cluster.busyboxImage,
    featureGates,
    stateDir: cluster.stateDir,
    restartKubelet: () => cluster.restartKubelet(),
    stop,
  };
}
