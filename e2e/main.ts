// bun run e2e [--kubeconfig FILE]: the MVP (mvp.yaml) through the cluster's gateway over TLS, in
// a namespace of its own that is deleted afterwards.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readClusterState, runningPid, startGateway } from "../minikube/local/index.ts";
import { binaryPaths } from "../scripts/kubernetes/index.ts";
import { addFloatsJson, GatewayClient, type GatewayTarget } from "./client.ts";
import { pushExample } from "./images.ts";
import {
  deployMvp,
  firstAnswer,
  gatewayStatusAddress,
  type Kubectl,
  MVP_DOMAIN,
  MVP_HOSTNAMES,
  MVP_SERVER,
  waitForServing,
} from "./mvp.ts";

const usage = `Usage: bun run e2e [--kubeconfig FILE] [OPTIONS]

Deploys e2e/mvp.yaml (Vimana the-vimana, Domain foo-domain with id
${MVP_DOMAIN} and alias api.vimana.host, Server the-adder-server,
Component baz-component) into a fresh namespace with self-signed TLS Secrets for its two
hostnames, pushes the adder example as its image, waits for its pod and the Gateway's
listeners, then calls AddFloats(3.5, -1.2) through the gateway over TLS with each hostname as
the server name, over gRPC and in the JSON mapping. Deletes the namespace at the end.

The cluster needs the operator and Envoy Gateway running. Without --kubeconfig: the local
cluster (bun run cluster up, which starts Envoy Gateway; the operator from bun run restart
--driver local). With --kubeconfig (minikube after bun run restart, say): the image is pushed to
--registry and the Component names --node-registry.

Options:
  --kubeconfig FILE         the cluster to test (default: the local cluster's)
  --state-dir DIR           the local cluster's state directory (default ~/.local/state/vimana/cluster)
  --registry HOST:PORT      where to push the image (local cluster: its registry; else localhost:5000)
  --node-registry HOST:PORT the registry as the nodes name it (local cluster: the same; else
                            host.minikube.internal:5000)
  --gateway-address HOST    where the gateway listens (default: the Gateway's status address; on
                            the local cluster 127.0.0.1)
  --port PORT               the HTTPS listener's port (443)
  --keep                    leave the namespace for a look afterwards
  --help                    print this`;

function parseCommandLine() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      options: {
        kubeconfig: { type: "string" },
        "state-dir": { type: "string" },
        registry: { type: "string" },
        "node-registry": { type: "string" },
        "gateway-address": { type: "string" },
        port: { type: "string", default: "443" },
        keep: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`e2e: ${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}
const parsed = parseCommandLine();
if (parsed.values.help) {
  console.log(usage);
  process.exit(0);
}

const say = (line: string) => console.log(`e2e: ${line}`);

interface Target {
  readonly kubectl: Kubectl;
  readonly registry: string;
  readonly nodeRegistry: string;
  readonly gatewayAddress?: string;
}

function kubectlWith(kubectlPath: string, kubeconfig: string): Kubectl {
  return async (args, input) => {
    const child = Bun.spawn([kubectlPath, `--kubeconfig=${kubeconfig}`, ...args], {
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
  };
}

async function localTarget(): Promise<Target> {
  const stateDir =
    parsed.values["state-dir"] ??
    join(process.env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "vimana", "cluster");
  const state = readClusterState(stateDir);
  if (state === undefined || runningPid(stateDir, "kube-apiserver") === undefined) {
    throw new Error(
      `no local cluster runs in ${stateDir}: bun run cluster up, or pass --kubeconfig`,
    );
  }
  // Idempotent: a cluster started with --no-gateway gets one now.
  const gateway = await startGateway({
    stateDir,
    kubectl: state.kubectl,
    kubeconfig: state.kubeconfig,
    log: say,
  });
  return {
    kubectl: kubectlWith(state.kubectl, state.kubeconfig),
    registry: parsed.values.registry ?? state.registry,
    nodeRegistry: parsed.values["node-registry"] ?? state.registry,
    gatewayAddress: parsed.values["gateway-address"] ?? gateway.address,
  };
}

function remoteTarget(kubeconfig: string): Target {
  const cached = binaryPaths().kubectl;
  const kubectlPath = existsSync(cached) ? cached : Bun.which("kubectl");
  if (kubectlPath === null)
    throw new Error("no kubectl: put one on PATH or run bun run kube:binaries kubectl");
  return {
    kubectl: kubectlWith(kubectlPath, kubeconfig),
    registry: parsed.values.registry ?? "localhost:5000",
    nodeRegistry: parsed.values["node-registry"] ?? "host.minikube.internal:5000",
    gatewayAddress: parsed.values["gateway-address"],
  };
}

async function run(target: Target): Promise<void> {
  const { kubectl } = target;
  await kubectl(["get", "crd", "vimanas.api.vimana.host"]).catch(() => {
    throw new Error(
      "the cluster has no Vimana CRD: install the operator first (bun run restart, or bun run operator manifests | kubectl apply -f -)",
    );
  });
  say(`pushing the adder as ${MVP_DOMAIN}/${MVP_SERVER}:1.0.0 to ${target.registry}`);
  await pushExample({
    registry: target.registry,
    insecure: true,
    example: "adder-wat",
    domain: MVP_DOMAIN,
    server: MVP_SERVER,
    version: "1.0.0",
  });
  const namespace = `e2e-${crypto.randomUUID().slice(0, 8)}`;
  say(`applying mvp.yaml and the TLS Secrets in namespace ${namespace}`);
  try {
    const rootCert = await deployMvp(kubectl, { namespace, registry: target.nodeRegistry });
    say("waiting for the pod to be Ready and the Gateway's listeners Programmed");
    await waitForServing(kubectl, namespace);
    const address = target.gatewayAddress ?? (await gatewayStatusAddress(kubectl, namespace));
    if (address === undefined) {
      throw new Error("the Gateway reports no address: pass --gateway-address");
    }
    const gateway: GatewayTarget = { address, port: Number(parsed.values.port), rootCert };
    for (const hostname of MVP_HOSTNAMES) {
      const client = new GatewayClient(gateway, hostname);
      try {
        const sum = await firstAnswer(client, 3.5, -1.2);
        if (Math.abs(sum - 2.3) > 1e-5)
          throw new Error(`AddFloats(3.5, -1.2) via ${hostname} = ${sum}, not 2.3`);
        say(
          `AddFloats(3.5, -1.2) = ${sum.toFixed(1)} via ${hostname} (gRPC, TLS to ${address}:${gateway.port})`,
        );
      } finally {
        client.close();
      }
      const json = await addFloatsJson(gateway, hostname, 3.5, -1.2);
      const result = (json.body as { result?: number }).result;
      if (json.status !== 200 || result === undefined || Math.abs(result - 2.3) > 1e-5) {
        throw new Error(
          `JSON AddFloats via ${hostname}: status ${json.status}, ${JSON.stringify(json.body)}`,
        );
      }
      say(`AddFloats {"x":3.5,"y":-1.2} = ${JSON.stringify(json.body)} via ${hostname} (JSON)`);
    }
  } finally {
    if (parsed.values.keep) say(`namespace ${namespace} kept`);
    else {
      say(`deleting namespace ${namespace}`);
      await kubectl(["delete", "namespace", namespace, "--wait=true", "--timeout=120s"]).catch(
        (error: Error) => say(`deleting namespace ${namespace} failed: ${error.message}`),
      );
    }
  }
}

try {
  const started = Date.now();
  const kubeconfig = parsed.values.kubeconfig;
  await run(kubeconfig === undefined ? await localTarget() : remoteTarget(kubeconfig));
  say(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`e2e: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
