// The CRDs the operator's objects need besides its own: Gateway API (standard channel) and
// Envoy Gateway's EnvoyProxy, extracted from their Go modules into ~/.cache/vimana/crds/ once.
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

import {
  envoyGatewayVersion as ENVOY_GATEWAY_VERSION,
  gatewayApiVersion as GATEWAY_API_VERSION,
} from "../../../scripts/kubernetes/index.ts";

const GO = existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";

function moduleDirectory(module: string, version: string): string {
  const result = Bun.spawnSync([GO, "mod", "download", "-json", `${module}@${version}`], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, GOFLAGS: "-mod=mod" },
  });
  const output = result.stdout.toString();
  if (result.exitCode !== 0) {
    throw new Error(`go mod download ${module}@${version} failed: ${output}${result.stderr}`);
  }
  return (JSON.parse(output) as { Dir: string }).Dir;
}

async function extract(
  name: string,
  pick: () => Promise<string[]>,
  directory: string,
): Promise<string> {
  if (existsSync(directory)) return directory;
  process.stderr.write(`crds: extracting ${name} into ${directory}\n`);
  const partial = `${directory}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  for (const file of await pick()) {
    await copyFile(file, join(partial, file.slice(file.lastIndexOf("/") + 1)));
  }
  await rename(partial, directory);
  return directory;
}

/** Paths of the CRD YAML files: Gateway API standard channel, then EnvoyProxy. */
export async function gatewayCrdFiles(): Promise<string[]> {
  const cache = join(homedir(), ".cache", "vimana", "crds");
  const gatewayApi = await extract(
    `sigs.k8s.io/gateway-api ${GATEWAY_API_VERSION} (standard channel)`,
    async () => {
      const dir = join(
        moduleDirectory("sigs.k8s.io/gateway-api", GATEWAY_API_VERSION),
        "config/crd/standard",
      );
      // The ValidatingAdmissionPolicy beside the CRDs guards upgrades; not a CRD.
      return (await readdir(dir))
        .filter((file) => file.endsWith(".yaml") && !file.includes("vap_"))
        .map((file) => join(dir, file));
    },
    join(cache, `gateway-api-${GATEWAY_API_VERSION}`),
  );
  const envoy = await extract(
    `github.com/envoyproxy/gateway ${ENVOY_GATEWAY_VERSION} (EnvoyProxy)`,
    async () => [
      join(
        moduleDirectory("github.com/envoyproxy/gateway", ENVOY_GATEWAY_VERSION),
        "charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_envoyproxies.yaml",
      ),
    ],
    join(cache, `envoy-gateway-${ENVOY_GATEWAY_VERSION}`),
  );
  const files = async (dir: string) => (await readdir(dir)).sort().map((file) => join(dir, file));
  return [...(await files(gatewayApi)), ...(await files(envoy))];
}
