// etcd and kube-apiserver (what envtest gives Go operators), then the controller-manager and
// the scheduler on top for a whole cluster.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeApi, waitFor } from "./api.ts";
import { ensurePki, kubeconfigYaml, type Pki } from "./pki.ts";
import { freePort } from "./ports.ts";
import { logTail, runningPid, startProcess } from "./processes.ts";

const etcdTimeoutMs = 30_000;
const apiServerTimeoutMs = 90_000;
const serviceClusterIpRange = "10.0.0.0/24";

/** `--feature-gates` value: `A=true,B=false`. */
export type FeatureGates = Readonly<Record<string, boolean>>;

export function featureGatesFlag(gates: FeatureGates): string[] {
  const entries = Object.entries(gates);
  if (entries.length === 0) return [];
  return [`--feature-gates=${entries.map(([name, on]) => `${name}=${on}`).join(",")}`];
}

export interface ControlPlane {
  readonly stateDir: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** Kubeconfig of a cluster admin (group system:masters). */
  readonly kubeconfig: string;
  readonly pki: Pki;
  readonly api: KubeApi;
}

export interface ControlPlaneOptions {
  readonly etcd: string;
  readonly kubeApiServer: string;
  readonly featureGates: FeatureGates;
  /** The node whose kubelet gets a client certificate (system:node:<name>). */
  readonly nodeName: string;
  /** The node's address, for the API server's certificate. */
  readonly nodeIp: string;
}

export async function startControlPlane(
  stateDir: string,
  options: ControlPlaneOptions,
): Promise<ControlPlane> {
  const pki = await ensurePki(
    join(stateDir, "pki"),
    {
      dns: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
      ips: ["127.0.0.1", "10.0.0.1", options.nodeIp],
    },
    [
      { file: "admin", commonName: "vimana-admin", organizations: ["system:masters"] },
      {
        file: "node",
        commonName: `system:node:${options.nodeName}`,
        organizations: ["system:nodes"],
      },
    ],
  );
  const etcdPort = freePort();
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${freePort()}`;
  await mkdir(join(stateDir, "etcd"), { recursive: true });
  startProcess(stateDir, "etcd", [
    options.etcd,
    "--name=local",
    `--data-dir=${join(stateDir, "etcd")}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=local=${peerUrl}`,
    // Throwaway state: a crash may lose the last writes, and every write is much faster.
    "--unsafe-no-fsync",
    "--log-level=warn",
  ]);
  await waitFor(
    `etcd health on ${etcdUrl}`,
    etcdTimeoutMs,
    async () => {
      if (runningPid(stateDir, "etcd") === undefined) throw new Error("etcd exited");
      const response = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2000) });
      const text = await response.text();
      return text.includes('"health":"true"') || `GET /health: ${response.status} ${text}`;
    },
    () => logTail(stateDir, "etcd"),
  );

  const port = freePort();
  const server = `https://127.0.0.1:${port}`;
  startProcess(stateDir, "kube-apiserver", [
    options.kubeApiServer,
    `--etcd-servers=${etcdUrl}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${port}`,
    "--advertise-address=127.0.0.1",
    // The loopback advertise address is no valid Endpoints IP; nothing here needs the
    // `kubernetes` Service's endpoints (no pod talks to the API server through it).
    "--endpoint-reconciler-type=none",
    `--cert-dir=${join(stateDir, "kube-apiserver")}`,
    `--tls-cert-file=${pki.apiServerCert}`,
    `--tls-private-key-file=${pki.apiServerKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--kubelet-client-certificate=${pki.cert("admin")}`,
    `--kubelet-client-key=${pki.key("admin")}`,
    // The node's name resolves nowhere; its InternalIP is where kubelet listens.
    "--kubelet-preferred-address-types=InternalIP",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    "--authorization-mode=Node,RBAC",
    "--allow-privileged=true",
    ...featureGatesFlag(options.featureGates),
  ]);
  const kubeconfig = join(stateDir, "admin.kubeconfig");
  await writeFile(kubeconfig, kubeconfigYaml(server, pki, "admin"));
  await writeFile(join(stateDir, "node.kubeconfig"), kubeconfigYaml(server, pki, "node"));
  const api = new KubeApi(server, {
    ca: pki.caCert,
    cert: pki.cert("admin"),
    key: pki.key("admin"),
  });
  await waitFor(
    `kube-apiserver /readyz on ${server}`,
    apiServerTimeoutMs,
    async () => {
      if (runningPid(stateDir, "kube-apiserver") === undefined) {
        throw new Error("kube-apiserver exited");
      }
      const answer = await api.request("GET", "/readyz");
      return (
        answer.status === 200 || `GET /readyz: ${answer.status} ${String(answer.body).slice(-300)}`
      );
    },
    () => logTail(stateDir, "kube-apiserver"),
  );
  return { stateDir, server, kubeconfig, pki, api };
}

export interface ControllerOptions {
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly featureGates: FeatureGates;
}

/** The controller-manager (service accounts, Deployments, …) and the scheduler. */
export function startControllers(plane: ControlPlane, options: ControllerOptions): void {
  const { stateDir, kubeconfig, pki } = plane;
  const common = (name: string) => [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${freePort()}`,
    `--cert-dir=${join(stateDir, name)}`,
    "--leader-elect=false",
    ...featureGatesFlag(options.featureGates),
  ];
  startProcess(stateDir, "kube-controller-manager", [
    options.kubeControllerManager,
    ...common("kube-controller-manager"),
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    "--use-service-account-credentials=true",
  ]);
  startProcess(stateDir, "kube-scheduler", [options.kubeScheduler, ...common("kube-scheduler")]);
}
