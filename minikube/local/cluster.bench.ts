// bun run bench cluster: time from nothing to Node Ready (binaries cached, vimanad built), then,
// on one cluster, time from `kubectl apply` of a 3-replica Deployment to all pods Ready: the
// adder as Vimana pods (runtimeClassName vimana-runtime, gRPC readiness probe) against the same
// Deployment of an ordinary image through containerd (busybox httpd, HTTP readiness probe).
// Runs alternate; figures are medians.
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { buildVimanad, pushExample } from "../../runtime/tests/vimanad.ts";
import { runKubectl } from "../../test/kubernetes/index.ts";
import { killAllSync, type LocalCluster, startLocalCluster } from "./index.ts";

const CLUSTER_RUNS = Number(process.env.BENCH_CLUSTER_RUNS ?? 3);
const DEPLOY_RUNS = Number(process.env.BENCH_ROUNDS ?? 5);
const REPLICAS = 3;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const freshDir = () => mkdtempSync(join("/tmp", "vimana-bench-cluster-"));

const vimanad = await buildVimanad();
console.log(
  `cluster bench: ${CLUSTER_RUNS} cold starts, then ${DEPLOY_RUNS} rounds of each Deployment`,
);

const startTimes: number[] = [];
let cluster: LocalCluster | undefined;
let starting: string | undefined;
// Interrupted: leave no cluster running.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const dir of [cluster?.stateDir, starting]) if (dir !== undefined) killAllSync(dir);
    process.exit(130);
  });
}
try {
  for (let run = 1; run <= CLUSTER_RUNS; run++) {
    starting = freshDir();
    const started = performance.now();
    const candidate = await startLocalCluster({ stateDir: starting, vimanad });
    startTimes.push(performance.now() - started);
    console.log(`  cold start ${run}: node Ready in ${seconds(startTimes.at(-1) ?? 0)}`);
    if (run < CLUSTER_RUNS) await candidate.stop();
    else cluster = candidate;
  }
  if (cluster === undefined) throw new Error("BENCH_CLUSTER_RUNS must be at least 1");
  const live = cluster;
  const kubectl = (args: string[], input?: string) =>
    runKubectl(live.kubectl, live.kubeconfig, args, input);
  const adder = await pushExample(live.registry, "adder", "1.0.0");

  const vimanaDeployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels:
        app: ${name}
        vimana.host/domain: "${adder.domain}"
        vimana.host/server: ${adder.server}
        vimana.host/version: ${adder.version}
    spec:
      runtimeClassName: vimana-runtime
      terminationGracePeriodSeconds: 1
      containers:
        - name: grpc
          image: ${adder.imageSpec.image}
          ports: [{containerPort: ${live.dataplanePort}}]
          readinessProbe: {grpc: {port: ${live.dataplanePort}}, periodSeconds: 1}
`;
  const ordinaryDeployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: httpd
          image: ${live.busyboxImage}
          command: ["httpd", "-f", "-p", "8080", "-h", "/etc"]
          ports: [{containerPort: 8080}]
          readinessProbe: {httpGet: {port: 8080, path: /passwd}, periodSeconds: 1}
`;

  async function timeRollout(name: string, yaml: string): Promise<number> {
    const started = performance.now();
    await kubectl(["apply", "-f", "-"], yaml);
    await kubectl(["rollout", "status", `deployment/${name}`, "--timeout=120s"]);
    const elapsed = performance.now() - started;
    await kubectl(["delete", "deployment", name, "--wait=true"]);
    await kubectl(["wait", "--for=delete", "pod", "-l", `app=${name}`, "--timeout=120s"]);
    return elapsed;
  }

  const vimana: number[] = [];
  const ordinary: number[] = [];
  // One unmeasured round each: the first pull and the first component compile are not the
  // steady state of a node.
  await timeRollout("warm-vimana", vimanaDeployment("warm-vimana"));
  await timeRollout("warm-ordinary", ordinaryDeployment("warm-ordinary"));
  for (let round = 1; round <= DEPLOY_RUNS; round++) {
    const pair: [string, number[], (n: string) => string][] = [
      ["vimana", vimana, vimanaDeployment],
      ["ordinary", ordinary, ordinaryDeployment],
    ];
    if (round % 2 === 0) pair.reverse();
    for (const [kind, samples, yaml] of pair) {
      const name = `${kind}-${round}`;
      samples.push(await timeRollout(name, yaml(name)));
    }
    console.log(
      `  round ${round}: vimana ${seconds(vimana.at(-1) ?? 0)}, ordinary ${seconds(ordinary.at(-1) ?? 0)}`,
    );
  }
  console.log(
    `cluster: nothing → Node Ready (binaries cached)  median ${seconds(median(startTimes))} of ${CLUSTER_RUNS}`,
  );
  console.log(
    `cluster: apply → ${REPLICAS}/${REPLICAS} Ready, Vimana adder (vimanad)      median ${seconds(median(vimana))} of ${DEPLOY_RUNS}`,
  );
  console.log(
    `cluster: apply → ${REPLICAS}/${REPLICAS} Ready, busybox httpd (containerd)  median ${seconds(median(ordinary))} of ${DEPLOY_RUNS} (baseline)`,
  );
  console.log(
    `cluster: Vimana / containerd ratio ${(median(vimana) / median(ordinary)).toFixed(2)}×`,
  );
} finally {
  await cluster?.stop();
}
