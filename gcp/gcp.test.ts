// node-image, cluster:create/destroy and tls-secrets against recording stand-ins for gcloud,
// ssh, scp, kops, helm, kubectl and git first on PATH (no cloud here): the exact commands in
// order, the clean-up after a failure at each step, profile validation and --dry-run.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeStandIns } from "../test/stand-ins.ts";

const root = resolve(import.meta.dir, "..");
const standIns = makeStandIns(["gcloud", "ssh", "scp", "kops", "helm", "kubectl", "git"]);
const scratch = mkdtempSync(join(tmpdir(), "vimana-gcp-"));
// Any x86-64 Linux executable passes for vimanad: the stand-in scp copies nothing.
const vimanad = "/bin/true";
afterAll(() => {
  standIns.remove();
  rmSync(scratch, { recursive: true, force: true });
});

function run(args: readonly string[], fail?: string) {
  standIns.takeCalls();
  const result = Bun.spawnSync(["bun", join(root, "gcp", "main.ts"), ...args], {
    env: standIns.env(fail),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = result.stdout.toString();
  // The temporary key directory's name is random.
  const calls = standIns.takeCalls().map((c) => c.replace(/\/tmp\/vimana-node-image-\w+/g, "TMP"));
  return { code: result.exitCode, stdout, stderr: result.stderr.toString(), calls };
}

describe("node-image", () => {
  const where = "--project=vimana-dev --zone=us-west1-a";
  const ssh =
    "-i TMP/id_ed25519 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10";
  const vm = "image-dummy-abc1234";
  const created = [
    `gcloud compute instances create ${vm} ${where} --machine-type=e2-medium --image-project=debian-cloud --image-family=debian-12 --metadata=enable-oslogin=TRUE`,
  ];
  const keyed = [
    ...created,
    "gcloud compute os-login ssh-keys add --project=vimana-dev --key-file=TMP/id_ed25519.pub --ttl=2h",
  ];
  const uploaded = [
    ...keyed,
    "gcloud compute os-login describe-profile --project=vimana-dev --format=value(posixAccounts[0].username)",
    `gcloud compute instances describe ${vm} ${where} --format=value(networkInterfaces[0].accessConfigs[0].natIP)`,
    `ssh ${ssh} ada@10.0.0.7 true`,
    `scp ${ssh} ${vimanad} TMP/vimanad.service TMP/config.toml ada@10.0.0.7:/tmp/`,
  ];
  const installed = [...uploaded, `ssh ${ssh} ada@10.0.0.7 sh -s`];
  const snapshotted = [
    ...installed,
    `gcloud compute instances stop ${vm} ${where}`,
    `gcloud compute disks snapshot ${vm} ${where} --snapshot-names=image-snapshot-abc1234`,
  ];
  const imaged = [
    ...snapshotted,
    "gcloud compute images create node-abc1234 --project=vimana-dev --source-snapshot=image-snapshot-abc1234 --family=vimana",
  ];
  const deleteVm = `gcloud compute instances delete ${vm} ${where} --quiet`;
  const removeKey =
    "gcloud compute os-login ssh-keys remove --project=vimana-dev --key-file=TMP/id_ed25519.pub";
  const deleteSnapshot =
    "gcloud compute snapshots delete image-snapshot-abc1234 --project=vimana-dev --quiet";
  const git = [`git -C ${root} status --porcelain`, `git -C ${root} rev-parse --short HEAD`];
  const args = ["node-image", "--gcp-project", "vimana-dev", "--vimanad", vimanad];

  test("a clean worktree: image node-<commit> in family vimana; VM, snapshot and key removed", () => {
    standIns.respond([
      "status --porcelain|",
      "rev-parse|abc1234",
      "describe-profile|ada",
      "instances describe|10.0.0.7",
    ]);
    const result = run(args);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([...git, ...imaged, deleteSnapshot, removeKey, deleteVm]);
    expect(result.stdout).toContain("image node-abc1234 (family vimana) is in project vimana-dev");
  });

  const failures: [string, string, string[], string[]][] = [
    ["instances create", "create the temporary VM", created, []],
    ["ssh-keys add", "give it a fresh SSH key", keyed, [deleteVm]],
    ["scp ", "upload vimanad", uploaded, [removeKey, deleteVm]],
    ["sh -s", "install containerd", installed, [removeKey, deleteVm]],
    ["disks snapshot", "stop the VM", snapshotted, [removeKey, deleteVm]],
    ["images create", "create image node-abc1234", imaged, [deleteSnapshot, removeKey, deleteVm]],
  ];
  for (const [pattern, step, done, cleanup] of failures) {
    test(`a failure at "${step}" removes what was made before it`, () => {
      const result = run(args, pattern);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`node-image: step "${step}`);
      expect(result.stderr).toContain(`stand-in: refused (${pattern})`);
      expect(result.calls).toEqual([...git, ...done, ...cleanup]);
    });
  }

  test("a dirty worktree goes to family vimana-dirty, named by the time", () => {
    standIns.respond([
      "status --porcelain| M README.md",
      "describe-profile|ada",
      "instances describe|10.0.0.7",
    ]);
    const result = run(args);
    expect(result.code).toBe(0);
    expect(result.calls.at(-4)).toMatch(
      /^gcloud compute images create node-\d{10} .* --family=vimana-dirty$/,
    );
  });

  test("--dry-run prints every command and runs none", () => {
    const result = run([...args, "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([]);
    expect(result.stdout).toContain("$ gcloud compute instances create image-dummy-");
    expect(result.stdout).toContain("$ gcloud compute instances delete image-dummy-");
  });

  test("--gcp-project is required", () => {
    const result = run(["node-image"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("node-image: --gcp-project is required");
  });

  test("a vimanad that is not an x86-64 Linux executable is refused before anything runs", () => {
    const script = join(scratch, "vimanad.sh");
    writeFileSync(script, "#!/bin/sh\n");
    const result = run(["node-image", "--gcp-project", "vimana-dev", "--vimanad", script]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`node-image: ${script} is not an x86-64 Linux executable`);
    expect(result.calls).toEqual([]);
  });
});

describe("cluster:create and cluster:destroy", () => {
  const state = "--state=gs://vimana-kops-state-dev";
  const found =
    "gcloud compute images describe-from-family vimana-dirty --project=vimana-node-images --format=value(name)";
  const create = `kops create cluster dev.k8s.local --cloud=gce --project=vimana-dev --image=vimana-node-images/node-abc1234 ${state} --zones=us-west1-a --control-plane-count=1 --control-plane-size=e2-medium --node-count=1 --node-size=e2-medium --networking=kube-router --kubernetes-feature-gates=+RuntimeClassInImageCriApi --set=spec.containerd.skipInstall=true --set=spec.containerd.address=/run/vimana/vimanad.sock --yes`;
  const waited = [
    `kops export kubeconfig dev.k8s.local ${state} --admin`,
    `kops validate cluster dev.k8s.local ${state} --wait=300s`,
  ];
  const helm =
    "helm install envoy-gateway oci://docker.io/envoyproxy/gateway-helm --version=v1.9.1 --namespace=envoy-gateway-system --create-namespace --set=config.envoyGateway.provider.kubernetes.deploy.type=GatewayNamespace";
  const operator = [
    "kubectl apply --server-side --force-conflicts -f -",
    "kubectl wait --namespace=vimana-operator-system --for=condition=Available deployment --all --timeout=300s",
  ];
  const kopsDelete = `kops delete cluster dev.k8s.local ${state} --yes`;

  test("create: the latest image of the family, kOps with vimanad as runtime, gateway, operator", () => {
    standIns.respond(["describe-from-family|node-abc1234"]);
    const result = run(["cluster:create", "dev"]);
    expect(result.stderr).toBe("");
    expect(result.calls).toEqual([found, create, ...waited, helm, ...operator]);
    expect(result.code).toBe(0);
  });

  const failures: [string, string, string[]][] = [
    ["describe-from-family", "find the latest image", [found]],
    ["kops create", "create cluster", [found, create, kopsDelete]],
    ["kops validate", "wait for the API server", [found, create, ...waited, kopsDelete]],
    ["helm install", "install Envoy Gateway", [found, create, ...waited, helm, kopsDelete]],
    [
      "kubectl wait",
      "deploy the operator",
      [found, create, ...waited, helm, ...operator, kopsDelete],
    ],
  ];
  for (const [pattern, step, calls] of failures) {
    test(`create: a failure at "${step}" deletes what kOps made`, () => {
      standIns.respond(["describe-from-family|node-abc1234"]);
      const result = run(["cluster:create", "dev"], pattern);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`cluster:create: step "${step}`);
      expect(result.calls).toEqual(calls);
    });
  }

  test("create: a family without images says to make one", () => {
    standIns.respond([]);
    const result = run(["cluster:create", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("family vimana-dirty has no image: run bun run node-image");
    expect(result.calls).toEqual([found]);
  });

  test("create --dry-run prints the kOps command and runs nothing", () => {
    const result = run(["cluster:create", "prod", "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([]);
    expect(result.stdout).toContain(
      "$ kops create cluster prod.k8s.local --cloud=gce --project=vimana-prod",
    );
    expect(result.stdout).toContain("$ helm install envoy-gateway");
  });

  test("destroy asks first; --yes deletes", () => {
    const refused = run(["cluster:destroy", "dev"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("cluster:destroy: not deleted");
    expect(refused.calls).toEqual([]);
    const done = run(["cluster:destroy", "dev", "--yes"]);
    expect(done.code).toBe(0);
    expect(done.calls).toEqual([kopsDelete]);
  });

  test("profiles are checked against the schema: each bad key by its path", () => {
    const file = join(scratch, "profiles.yaml");
    writeFileSync(
      file,
      "dev:\n  zone: 5\n  machine-type: e2-medium\n  state-store: s3://bucket\n  gcp: {project: vimana-dev, imge-family: x}\nBad_Name: {}\n",
    );
    const result = run(["cluster:create", "dev", "--profiles", file]);
    expect(result.code).toBe(1);
    expect(result.calls).toEqual([]);
    expect(result.stderr).toContain(`${file} does not match gcp/profile-schema.json:`);
    for (const line of [
      "Bad_Name: is not a profile name",
      "dev.state-store: must match pattern",
      "dev.zone: must be string",
      "dev.gcp.imge-family: is not a known key",
      'Bad_Name: misses required key "state-store"',
    ]) {
      expect(result.stderr).toContain(line);
    }
    const missing = run(["cluster:create", "nope"]);
    expect(missing.stderr).toContain('no profile "nope" in');
    expect(missing.stderr).toContain("it has: dev, prod");
  });
});

test("tls-secrets prints a kubernetes.io/tls Secret per hostname", () => {
  const result = run([
    "tls-secrets",
    "--namespace",
    "demo",
    "--dir",
    join(scratch, "tls"),
    "api.vimana.host",
  ]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("type: kubernetes.io/tls");
  expect(result.stdout).toMatch(/name: c-[0-9a-f]{56}\n {2}namespace: demo/);
});
