// bun run cluster up|down|status [--state-dir DIR]: the local cluster as host processes.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readClusterState, startLocalCluster, stopLocalCluster } from "./index.ts";
import { logPath, recordedProcesses, runningPid } from "./processes.ts";

const usage = `Usage: bun run cluster up|down|status [--state-dir DIR] [--feature-gates A=true,B=false] [--no-gateway]

A one-node Kubernetes cluster on this Linux host, as host processes (root needed): etcd,
kube-apiserver, kube-controller-manager, kube-scheduler, a registry on a loopback port,
containerd, vimanad (dist/vimanad) in front of it, kubelet talking to vimanad, and Envoy Gateway
in host mode (Envoy as a host process; listeners bind their ports on this host). Binaries are
built into ~/.cache/vimana on first use (bun run kube:binaries; minutes on a cold Go cache).

  up       start everything and wait for the node to be Ready; prints the kubeconfig
  down     stop everything (pods first) and remove the state directory
  status   each process (running or not), the API server and the node

Options:
  --state-dir DIR        where everything lives (default ~/.local/state/vimana/cluster)
  --feature-gates LIST   for every component, e.g. RuntimeClassInImageCriApi=true
  --dataplane-port PORT  the port Vimana pods serve on (80)
  --no-gateway           without Envoy Gateway
  --help                 print this`;

const parsed = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    "state-dir": { type: "string" },
    "feature-gates": { type: "string" },
    "dataplane-port": { type: "string" },
    "no-gateway": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
const [command] = parsed.positionals;
if (parsed.values.help || command === undefined) {
  console.log(usage);
  process.exit(parsed.values.help ? 0 : 2);
}
const stateDir =
  parsed.values["state-dir"] ??
  join(process.env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "vimana", "cluster");

function featureGates(list: string | undefined): Record<string, boolean> {
  const gates: Record<string, boolean> = {};
  for (const item of (list ?? "").split(",").filter(Boolean)) {
    const [name, value] = item.split("=");
    if (!name || (value !== "true" && value !== "false")) {
      throw new Error(`--feature-gates: ${JSON.stringify(item)} is not NAME=true|false`);
    }
    gates[name] = value === "true";
  }
  return gates;
}

async function vimanadExecutable(): Promise<string> {
  const root = join(import.meta.dir, "..", "..");
  const binary = join(root, "dist", "vimanad");
  if (!existsSync(binary)) {
    console.log("cluster: building dist/vimanad (bun run build vimanad)");
    const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "vimanad"], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (build.exitCode !== 0) throw new Error("bun run build vimanad failed");
  }
  return binary;
}

async function up(): Promise<void> {
  if (
    readClusterState(stateDir) !== undefined &&
    runningPid(stateDir, "kube-apiserver") !== undefined
  ) {
    throw new Error(`a cluster already runs in ${stateDir}; \`bun run cluster down\` first`);
  }
  if (process.getuid?.() !== 0) throw new Error("the cluster needs root (containerd, kubelet)");
  const started = Date.now();
  const port = parsed.values["dataplane-port"];
  const cluster = await startLocalCluster({
    stateDir,
    vimanad: await vimanadExecutable(),
    featureGates: featureGates(parsed.values["feature-gates"]),
    dataplanePort: port === undefined ? undefined : Number(port),
    gateway: parsed.values["no-gateway"] !== true,
    log: (line) => console.log(`cluster: ${line}`),
  });
  console.log(`cluster: node ${cluster.nodeName} Ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  kubeconfig  ${cluster.kubeconfig}
  kubectl     ${cluster.kubectl} --kubeconfig=${cluster.kubeconfig} get pods -A
  registry    ${cluster.registry} (plain HTTP)
  images      ${cluster.pauseImage} ${cluster.busyboxImage}
  vimanad     ${cluster.vimanadSocket} (log ${cluster.vimanadLog})
  containerd  ${cluster.containerdSocket}${
    parsed.values["no-gateway"] === true
      ? ""
      : `\n  gateway     Envoy Gateway, host mode: Gateway listeners on this host (log ${logPath(stateDir, "envoy-gateway")})`
  }
  stop with   bun run cluster down${parsed.values["state-dir"] ? ` --state-dir ${stateDir}` : ""}`);
}

async function status(): Promise<void> {
  const state = readClusterState(stateDir);
  const names = recordedProcesses(stateDir);
  if (state === undefined && names.length === 0) {
    console.log(`no cluster in ${stateDir}`);
    process.exitCode = 3;
    return;
  }
  for (const name of names) {
    const pid = runningPid(stateDir, name);
    console.log(
      `${name.padEnd(24)} ${pid === undefined ? "stopped" : `running (pid ${pid})`}  ${logPath(stateDir, name)}`,
    );
  }
  if (state !== undefined) {
    const node = Bun.spawnSync([
      state.kubectl,
      `--kubeconfig=${state.kubeconfig}`,
      "get",
      "nodes",
      "-o",
      "wide",
    ]);
    console.log(node.exitCode === 0 ? `${node.stdout}` : `API server: ${node.stderr}`);
  }
}

try {
  if (command === "up") await up();
  else if (command === "down") {
    await stopLocalCluster(stateDir, { remove: true });
    console.log(`cluster: stopped; ${stateDir} removed`);
  } else if (command === "status") await status();
  else {
    console.error(`cluster: unknown command ${command}\n\n${usage}`);
    process.exit(2);
  }
} catch (error) {
  console.error(`cluster: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
