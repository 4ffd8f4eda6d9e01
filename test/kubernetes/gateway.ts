// The shared cluster with what e2e needs on top: Envoy Gateway in host mode and the operator
// (dist/vimana-operator) as a host process with the admin kubeconfig. Both are recorded in the
// cluster's state directory, so they stop with it at the end of the run.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  freePort,
  logPath,
  logTail,
  runningPid,
  startGateway,
  startProcess,
  stopGateway,
  stopProcess,
} from "../../minikube/local/index.ts";
import { type ClusterFixture, startCluster } from "./cluster.ts";

export interface GatewayFixture {
  readonly cluster: ClusterFixture;
  /** Where the gateway's listeners are reached from this host. */
  readonly address: string;
  readonly gatewayLog: string;
  readonly operatorLog: string;
  /**
   * Stops the gateway and the operator (the cluster runs on): the gateway's ports are fixed, so
   * a later suite may start a gateway of its own on another cluster. Call it in afterAll.
   */
  stop(): Promise<void>;
}

const OPERATOR = "vimana-operator";
const root = join(import.meta.dir, "..", "..");
let shared: Promise<GatewayFixture> | undefined;

function progress(line: string): void {
  console.log(`gateway fixture: ${line}`);
}

async function startOperator(cluster: ClusterFixture): Promise<string> {
  if (runningPid(cluster.stateDir, OPERATOR) !== undefined)
    return logPath(cluster.stateDir, OPERATOR);
  const crdDir = join(root, "src", "operator", "config", "crd");
  const crds = readdirSync(crdDir).flatMap((file) => ["-f", join(crdDir, file)]);
  await cluster.kubectl("apply", "--server-side", "--force-conflicts", ...crds);
  await cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", ...crds);
  // dist/vimana-operator is built with dist/vimanad, which the cluster fixture built.
  startProcess(cluster.stateDir, OPERATOR, [
    join(root, "dist", "vimana-operator"),
    `--kubeconfig=${cluster.kubeconfig}`,
    `--health-probe-bind-address=127.0.0.1:${freePort()}`,
  ]);
  const log = logPath(cluster.stateDir, OPERATOR);
  const deadline = Date.now() + 30_000;
  while (!(await Bun.file(log).text()).includes("starting controllers")) {
    if (runningPid(cluster.stateDir, OPERATOR) === undefined || Date.now() > deadline) {
      throw new Error(`the operator did not start\n${logTail(cluster.stateDir, OPERATOR)}`);
    }
    await Bun.sleep(100);
  }
  return log;
}

async function start(): Promise<GatewayFixture> {
  const cluster = await startCluster();
  const gateway = await startGateway({
    stateDir: cluster.stateDir,
    kubectl: cluster.kubectlPath,
    kubeconfig: cluster.kubeconfig,
    log: progress,
  });
  const operatorLog = await startOperator(cluster);
  return {
    cluster,
    address: gateway.address,
    gatewayLog: gateway.log,
    operatorLog,
    async stop() {
      shared = undefined;
      await stopProcess(cluster.stateDir, OPERATOR);
      await stopGateway(cluster.stateDir);
    },
  };
}

/**
 * The shared cluster of startCluster() with Envoy Gateway and the operator running, until a
 * suite's stop(). Each suite uses namespaces of its own; a Gateway's listeners bind their ports
 * on this host, so suites must not hold two Gateways with the same port at once.
 */
export function startGatewayFixture(): Promise<GatewayFixture> {
  shared ??= start().catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
