// The CRDs a real Envoy Gateway needs: Gateway API (standard channel) and every Envoy Gateway
// CRD, copied out of their Go modules (the module proxy has them) into the cache once.
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { vimanaCacheDir } from "./binaries.ts";
import { envoyGatewayVersion, gatewayApiVersion } from "./versions.ts";

function goPath(): string {
  const path =
    Bun.which("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : null);
  if (path === null) throw new Error("the Gateway CRDs come from Go modules: install Go ≥ 1.24");
  return path;
}

function moduleDirectory(module: string, version: string): string {
  const result = Bun.spawnSync([goPath(), "mod", "download", "-json", `${module}@${version}`], {
    cwd: vimanaCacheDir(),
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, GOFLAGS: "-mod=mod" },
  });
  if (result.exitCode !== 0) {
    throw new Error(
      `go mod download ${module}@${version} failed: ${result.stdout}${result.stderr}`,
    );
  }
  return (JSON.parse(`${result.stdout}`) as { Dir: string }).Dir;
}

/** Copies the YAML files `pick` names into `directory`, whole or not at all. */
async function extract(
  directory: string,
  pick: () => Promise<string[]>,
  log: (line: string) => void,
): Promise<string> {
  if (existsSync(directory)) return directory;
  log(`extracting CRDs into ${directory}`);
  const partial = `${directory}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  for (const file of await pick()) {
    await copyFile(file, join(partial, file.slice(file.lastIndexOf("/") + 1)));
  }
  await rename(partial, directory).catch(async (error) => {
    // Another process extracted the same files first.
    await rm(partial, { recursive: true, force: true });
    if (!existsSync(directory)) throw error;
  });
  return directory;
}

async function yamlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => join(dir, file));
}

/** Paths of the CRD files: Gateway API's standard channel, then Envoy Gateway's. */
export async function gatewayCrdPaths(
  log: (line: string) => void = console.log,
): Promise<string[]> {
  const cache = join(vimanaCacheDir(), "crds");
  await mkdir(cache, { recursive: true });
  // The same selection and directory as the operator's tests use (src/operator/testing).
  const gatewayApi = await extract(
    join(cache, `gateway-api-${gatewayApiVersion}`),
    async () => {
      const dir = join(
        moduleDirectory("sigs.k8s.io/gateway-api", gatewayApiVersion),
        "config/crd/standard",
      );
      // The ValidatingAdmissionPolicy beside the CRDs guards upgrades; not a CRD.
      return (await yamlFiles(dir)).filter((file) => !file.includes("vap_"));
    },
    log,
  );
  const envoyGateway = await extract(
    join(cache, `envoy-gateway-all-${envoyGatewayVersion}`),
    async () =>
      yamlFiles(
        join(
          moduleDirectory("github.com/envoyproxy/gateway", envoyGatewayVersion),
          "charts/gateway-helm/charts/crds/crds/generated",
        ),
      ),
    log,
  );
  return [...(await yamlFiles(gatewayApi)), ...(await yamlFiles(envoyGateway))];
}
