// etcd + kube-apiserver on free loopback ports for the operator's tests (like envtest): static
// token, AlwaysAllow, self-signed serving certificate; restartable on the same port.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trackLiveFixture } from "../../../runtime/tests/fixtures/live.ts";
import { ensureBinaries } from "../../../scripts/kubernetes/index.ts";

export interface ApiServer {
  kubeconfig: string;
  server: string;
  /** Compacts etcd's history up to now: watches from older resourceVersions get 410 Gone. */
  compactEtcd(): Promise<void>;
  /** Kills kube-apiserver only (etcd keeps the data), as a crash would. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port. */
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

async function waitHealthy(url: string, token: string, what: string, proc: Process, log: string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}); log: ${log}`);
    try {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}` },
        tls: { rejectUnauthorized: false },
      });
      if (response.ok) return;
    } catch {}
    await Bun.sleep(200);
  }
  throw new Error(`${what} not healthy after 90 s; log: ${log}`);
}

type Process = ReturnType<typeof Bun.spawn>;

// Registered so that test/preload.ts kills it if a test run ends without stopping it.
function track(name: string, child: Process, dir: string): () => void {
  return trackLiveFixture({
    name,
    pid: child.pid,
    dir,
    async stop() {
      child.kill("SIGKILL");
      await child.exited;
    },
  });
}

export async function startTestApiServer(): Promise<ApiServer> {
  const bins = await ensureBinaries({
    only: ["etcd", "kube-apiserver", "kube-controller-manager"],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const dir = await mkdtemp(join(tmpdir(), "vimana-operator-api-"));
  const token = crypto.randomUUID();
  await writeFile(join(dir, "tokens.csv"), `${token},admin,admin,system:masters\n`);
  Bun.spawnSync(["openssl", "genrsa", "-out", join(dir, "sa.key"), "2048"], { stderr: "ignore" });
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdLog = join(dir, "etcd.log");
  const etcd = Bun.spawn(
    [
      bins.etcd,
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      "--unsafe-no-fsync",
    ],
    { stdout: Bun.file(etcdLog), stderr: Bun.file(etcdLog) },
  );
  const untrackEtcd = track("etcd", etcd, dir);
  const server = `https://127.0.0.1:${apiPort}`;
  const apiLog = join(dir, "apiserver.log");
  let api: Process | undefined;
  let untrackApi: () => void = () => {};
  const startApiServer = async () => {
    api = Bun.spawn(
      [
        bins["kube-apiserver"],
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, "certs")}`,
        `--token-auth-file=${join(dir, "tokens.csv")}`,
        "--authorization-mode=AlwaysAllow",
        `--service-account-key-file=${join(dir, "sa.key")}`,
        `--service-account-signing-key-file=${join(dir, "sa.key")}`,
        "--service-account-issuer=https://kubernetes.default.svc",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--disable-admission-plugins=ServiceAccount",
        "--allow-privileged=true",
        // ConfigMaps skip the watch cache, so a watch from a compacted resourceVersion reaches
        // etcd and gets 410 Gone (the cache would replay its state instead); nothing else changes.
        "--watch-cache-sizes=configmaps#0",
      ],
      { stdout: Bun.file(apiLog), stderr: Bun.file(apiLog) },
    );
    untrackApi = track("kube-apiserver", api, dir);
    await waitHealthy(`${server}/readyz`, token, "kube-apiserver", api, apiLog);
  };
  const stopApiServer = async () => {
    // SIGTERM starts a graceful shutdown that waits up to a minute for open watches to end.
    api?.kill("SIGKILL");
    await api?.exited;
    untrackApi();
    api = undefined;
  };
  await startApiServer();
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster: { server, "insecure-skip-tls-verify": true } }],
      users: [{ name: "admin", user: { token } }],
      contexts: [{ name: "test", context: { cluster: "test", user: "admin" } }],
      "current-context": "test",
    }),
  );
  // Only the garbage collector: it deletes what a deleted object owned.
  const controllerLog = join(dir, "controller-manager.log");
  const controllerManager = Bun.spawn(
    [
      bins["kube-controller-manager"],
      `--kubeconfig=${kubeconfig}`,
      "--controllers=garbagecollector",
      "--leader-elect=false",
      "--secure-port=0",
    ],
    { stdout: Bun.file(controllerLog), stderr: Bun.file(controllerLog) },
  );
  const untrackControllerManager = track("kube-controller-manager", controllerManager, dir);
  const compactEtcd = async () => {
    const etcdUrl = `http://127.0.0.1:${etcdClient}/v3/kv`;
    const range = await fetch(`${etcdUrl}/range`, {
      method: "POST",
      body: JSON.stringify({ key: btoa("/"), range_end: btoa("0"), count_only: true }),
    });
    const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
    const compacted = await fetch(`${etcdUrl}/compaction`, {
      method: "POST",
      body: JSON.stringify({ revision, physical: true }),
    });
    if (!compacted.ok) throw new Error(`etcd compaction failed: ${await compacted.text()}`);
  };
  return {
    kubeconfig,
    server,
    compactEtcd,
    startApiServer,
    stopApiServer,
    async stop() {
      controllerManager.kill("SIGTERM");
      await controllerManager.exited;
      untrackControllerManager();
      await stopApiServer();
      etcd.kill("SIGTERM");
      await etcd.exited;
      untrackEtcd();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
