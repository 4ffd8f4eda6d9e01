// restart and hotswap on minikube, against recording stand-ins for minikube, docker, helm and
// kubectl first on PATH (no Docker engine here): the exact commands in order, the files copied
// into the node, the clean-up hint when each step fails, hotswap's "not running" message and
// --dry-run. The operator image is really built and pushed, to a real registry.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type RegistryFixture, startRegistry } from "../runtime/tests/fixtures/index.ts";
import { freeLoopbackPort } from "../runtime/tests/fixtures/ports.ts";
import { buildVimanad } from "../runtime/tests/vimanad.ts";
import { vimanadBuildId } from "./builds.ts";
import { pointKubeletScript, vimanadConfig, vimanadUnit } from "./node-files.ts";

const dir = mkdtempSync("/tmp/vimana-standins-");
const bin = join(dir, "bin");
const log = join(dir, "calls");
const files = join(dir, "files");
const responses = join(dir, "responses");

// One script for every tool: records `TOOL ARGS…`, keeps what `docker cp` copies and what
// `kubectl … -f -` reads, fails when the line contains $STANDIN_FAIL, and prints the answer of
// the first line of `responses` whose pattern the command line contains.
const standIn = `#!/bin/sh
tool=$(basename "$0")
line="$tool $*"
printf '%s\\n' "$line" >> ${log}
case "$line" in
  "docker cp "*) mkdir -p ${files}; eval "src=\\\${$(($# - 1))}; dst=\\\${$#}"; cp "$src" "${files}/$(basename "\${dst#*:}")" ;;
  *" -f -"*) mkdir -p ${files}; cat > "${files}/$tool-stdin-$(wc -l < ${log})" ;;
esac
if [ -n "\${STANDIN_FAIL:-}" ]; then
  case "$line" in *"$STANDIN_FAIL"*) echo "stand-in $tool: refused ($STANDIN_FAIL)" >&2; exit 1 ;; esac
fi
if [ -f ${responses} ]; then
  while IFS='|' read -r pattern answer; do
    case "$line" in *"$pattern"*) printf '%s\\n' "$answer"; exit 0 ;; esac
  done < ${responses}
fi
exit 0
`;

let registry: RegistryFixture;
let buildId: string;
let vimanad: string;

beforeAll(async () => {
  vimanad = await buildVimanad();
  buildId = vimanadBuildId(vimanad);
  registry = await startRegistry();
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(dir, "stand-in"), standIn);
  chmodSync(join(dir, "stand-in"), 0o755);
  for (const tool of ["minikube", "docker", "helm", "kubectl"])
    symlinkSync(join(dir, "stand-in"), join(bin, tool));
}, 300_000);

afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The stand-ins' calls, `TOOL ARGS…` each. */
  calls: string[];
}

async function run(
  command: "restart" | "hotswap",
  args: string[],
  env: Record<string, string> = {},
): Promise<Outcome> {
  rmSync(log, { force: true });
  rmSync(files, { recursive: true, force: true });
  const child = Bun.spawn(
    [process.execPath, join(import.meta.dir, `${command}.ts`), "--no-build", ...args],
    {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const calls = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  return { code, stdout, stderr, calls };
}

const port = () => registry.host.split(":")[1] as string;
const node = () => `host.minikube.internal:${port()}`;

function restartCalls(extra = ""): string[] {
  return [
    "minikube delete",
    "docker rm --force minikube",
    `minikube start --driver=docker --container-runtime=containerd --insecure-registry=${node()} --feature-gates=RuntimeClassInImageCriApi=true --embed-certs${extra}`,
    "docker exec minikube mkdir -p /usr/local/lib/vimana /etc/vimana",
    `docker cp --follow-link ${vimanad} minikube:/usr/local/lib/vimana/vimanad-${buildId}`,
    expect.stringMatching(
      /^docker cp \/tmp\/vimana-node-\w+\/vimanad@\.service minikube:\/etc\/systemd\/system\/vimanad@\.service$/,
    ),
    expect.stringMatching(
      /^docker cp \/tmp\/vimana-node-\w+\/config\.json minikube:\/etc\/vimana\/config\.json$/,
    ),
    "docker exec minikube systemctl daemon-reload",
    `docker exec minikube systemctl enable --now vimanad@${buildId}.service`,
    `docker exec minikube sh -c echo ${buildId} > /etc/vimana/build`,
    "docker exec minikube crictl --runtime-endpoint=unix:///run/vimana/vimanad.sock version",
    `docker exec minikube sh -c ${pointKubeletScript()}`,
    "kubectl wait --for=condition=Ready node --all --timeout=300s",
    "helm install envoy-gateway oci://docker.io/envoyproxy/gateway-helm --version=v1.9.1 --namespace=envoy-gateway-system --create-namespace --set=config.envoyGateway.provider.kubernetes.deploy.type=GatewayNamespace",
    "kubectl apply --server-side --force-conflicts -f -",
    "kubectl wait --namespace=envoy-gateway-system --for=condition=Available deployment/envoy-gateway --timeout=300s",
    "kubectl wait --namespace=vimana-operator-system --for=condition=Available deployment/vimana-operator-controller-manager --timeout=300s",
  ];
}

describe("bun run restart (minikube)", () => {
  test("the whole sequence, the files copied into the node, the operator image pushed", async () => {
    writeFileSync(responses, `crictl|RuntimeVersion:  0.0.0+${buildId}\n`);
    const outcome = await run("restart", ["--registry-port", port(), "--", "--cpus=4"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.calls).toEqual(restartCalls(" --cpus=4"));
    expect(readFileSync(join(files, "vimanad@.service"), "utf8")).toBe(vimanadUnit());
    expect(readFileSync(join(files, "config.json"), "utf8")).toBe(vimanadConfig(node()));
    expect(readFileSync(join(files, `vimanad-${buildId}`)).equals(readFileSync(vimanad))).toBe(
      true,
    );
    const applied = readFileSync(join(files, "kubectl-stdin-15"), "utf8");
    expect(applied).toContain("kind: CustomResourceDefinition");
    expect(applied).toContain(`image: ${node()}/vimana-operator:${buildId}`);
    const manifest = await fetch(`${registry.url}/v2/vimana-operator/manifests/${buildId}`, {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(manifest.status).toBe(200);
    expect(outcome.stdout).toContain("sudo-persist minikube tunnel");
    expect(outcome.stdout).toMatch(/restart: +[\d.]+ s {2}in all/);
  }, 120_000);

  // Each step's failure, by a command only that step runs, and the clean-up it names.
  for (const [fail, step, cleanup] of [
    ["minikube start", "start minikube (docker driver, containerd)", "minikube delete"],
    ["docker cp", "copy vimanad, its unit and config into the node", "minikube delete"],
    ["systemctl enable", "start vimanad", "minikube delete"],
    ["restart kubelet", "point kubelet at vimanad and restart it", "minikube delete"],
    ["helm install", "install Envoy Gateway v1.9.1 (helm)", "minikube delete"],
    ["kubectl apply", "apply the operator's manifests", "minikube delete"],
    ["deployment/envoy-gateway", "wait for the gateway and the operator", "minikube delete"],
  ] as const) {
    test(`a failing "${fail}": step "${step}" named, its reason, and \`${cleanup}\``, async () => {
      writeFileSync(responses, `crictl|RuntimeVersion:  0.0.0+${buildId}\n`);
      const outcome = await run("restart", ["--registry-port", port()], { STANDIN_FAIL: fail });
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain(`restart: step "${step}" failed: \``);
      expect(outcome.stderr).toContain(
        `stand-in ${fail.split(" ")[0] === "deployment/envoy-gateway" ? "kubectl" : ""}`,
      );
      expect(outcome.stderr).toContain(`to clean up, run:\n  ${cleanup}`);
      // Nothing after the failing command ran.
      expect(outcome.calls.at(-1)).toContain(fail);
    }, 120_000);
  }

  test("no registry answering: one is started in docker; its failure names the container to remove", async () => {
    const dead = `${freeLoopbackPort()}`;
    const outcome = await run("restart", ["--registry-port", dead], { STANDIN_FAIL: "docker run" });
    expect(outcome.code).toBe(1);
    expect(outcome.calls).toEqual([
      "docker rm --force vimana-registry",
      `docker run --detach --restart=always --publish=${dead}:5000 --name=vimana-registry registry:2`,
    ]);
    expect(outcome.stderr).toContain(`restart: step "a registry on localhost:${dead}" failed`);
    expect(outcome.stderr).toContain("to clean up, run:\n  docker rm --force vimana-registry");
  });

  test("--dry-run prints every command and runs none", async () => {
    const dead = `${freeLoopbackPort()}`;
    const outcome = await run("restart", ["--dry-run", "--registry-port", dead]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.calls).toEqual([]);
    const printed = outcome.stdout
      .split("\n")
      .filter((line) => line.startsWith("  $ "))
      .map((line) => line.slice(4));
    expect(printed).toEqual([
      "docker rm --force vimana-registry",
      `docker run --detach --restart=always --publish=${dead}:5000 --name=vimana-registry registry:2`,
      "minikube delete",
      "docker rm --force minikube",
      `minikube start --driver=docker --container-runtime=containerd --insecure-registry=host.minikube.internal:${dead} --feature-gates=RuntimeClassInImageCriApi=true --embed-certs`,
      "docker exec minikube mkdir -p /usr/local/lib/vimana /etc/vimana",
      `docker cp --follow-link ${vimanad} minikube:/usr/local/lib/vimana/vimanad-BUILD-ID`,
      expect.stringMatching(
        /^docker cp \/tmp\/vimana-node-\w+\/vimanad@\.service minikube:\/etc\/systemd\/system\/vimanad@\.service$/,
      ),
      expect.stringMatching(
        /^docker cp \/tmp\/vimana-node-\w+\/config\.json minikube:\/etc\/vimana\/config\.json$/,
      ),
      "docker exec minikube systemctl daemon-reload",
      "docker exec minikube systemctl enable --now vimanad@BUILD-ID.service",
      "docker exec minikube sh -c 'echo BUILD-ID > /etc/vimana/build'",
      "docker exec minikube crictl --runtime-endpoint=unix:///run/vimana/vimanad.sock version",
      expect.stringMatching(/^docker exec minikube sh -c 'for f in .* systemctl restart kubelet'$/),
      "kubectl wait --for=condition=Ready node --all --timeout=300s",
      "helm install envoy-gateway oci://docker.io/envoyproxy/gateway-helm --version=v1.9.1 --namespace=envoy-gateway-system --create-namespace --set=config.envoyGateway.provider.kubernetes.deploy.type=GatewayNamespace",
      `${process.execPath} ${join(import.meta.dir, "..", "src", "operator", "main.ts")} image --push localhost:${dead}/vimana-operator:BUILD-ID --insecure --executable ${join(import.meta.dir, "..", "dist", "vimana-operator")}`,
      `${process.execPath} ${join(import.meta.dir, "..", "src", "operator", "main.ts")} manifests --image host.minikube.internal:${dead}/vimana-operator:BUILD-ID`,
      "kubectl apply --server-side --force-conflicts -f - < (generated input)",
      "kubectl wait --namespace=envoy-gateway-system --for=condition=Available deployment/envoy-gateway --timeout=300s",
      "kubectl wait --namespace=vimana-operator-system --for=condition=Available deployment/vimana-operator-controller-manager --timeout=300s",
    ]);
  });
});

describe("bun run hotswap (minikube)", () => {
  test("no cluster: the restart hint, and nothing else runs", async () => {
    const outcome = await run("hotswap", ["--registry-port", port()], {
      STANDIN_FAIL: "minikube status",
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(
      'hotswap: step "check that minikube runs" failed: minikube is not running: start a cluster with `bun run restart`',
    );
    expect(outcome.calls).toEqual(["minikube status"]);
  });

  test("the new vimanad takes over, the old build is retired, the operator rolls to the new image", async () => {
    writeFileSync(
      responses,
      `cat /etc/vimana/build|OLDBUILD\ncrictl|RuntimeVersion:  0.0.0+${buildId}\n`,
    );
    const outcome = await run("hotswap", ["--registry-port", port()]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.calls).toEqual([
      "minikube status",
      "docker exec minikube cat /etc/vimana/build",
      `docker cp --follow-link ${vimanad} minikube:/usr/local/lib/vimana/vimanad-${buildId}`,
      `docker exec minikube systemctl enable --now vimanad@${buildId}.service`,
      "docker exec minikube crictl --runtime-endpoint=unix:///run/vimana/vimanad.sock version",
      `docker exec minikube sh -c echo ${buildId} > /etc/vimana/build`,
      "docker exec minikube systemctl disable vimanad@OLDBUILD.service",
      "docker exec minikube rm -f /usr/local/lib/vimana/vimanad-OLDBUILD",
      `kubectl --namespace=vimana-operator-system set image deployment/vimana-operator-controller-manager manager=${node()}/vimana-operator:${buildId}`,
      "kubectl --namespace=vimana-operator-system rollout status deployment/vimana-operator-controller-manager --timeout=300s",
    ]);
    expect(outcome.stdout).toMatch(/hotswap: +[\d.]+ s {2}vimanad --takeover/);
  }, 120_000);
});
