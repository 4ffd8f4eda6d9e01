// bun run node-image --gcp-project ID: a GCE image with vimanad baked in (ref §9.3). A temporary
// VM from Debian 12 gets vimanad, its unit and containerd's config; it is stopped, snapshotted
// and turned into image `node-<version>` in family `vimana` (clean worktree, version = short
// commit) or `vimana-dirty` (version = Unix time). VM, snapshot and key go on success and failure.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Steps, shellQuote } from "../minikube/index.ts";
import { containerdConfig, installScript, productionUnit } from "./node-files.ts";

export interface NodeImageOptions {
  readonly project: string;
  readonly zone: string;
  /** The vimanad executable to bake in. */
  readonly vimanad: string;
  /** The checkout, whose state names the image. */
  readonly root: string;
}

export interface ImageName {
  readonly version: string;
  readonly family: "vimana" | "vimana-dirty";
}

export async function imageVersion(steps: Steps, root: string): Promise<ImageName> {
  const status = await steps.run(["git", "-C", root, "status", "--porcelain"]);
  if (status.stdout.trim() === "" && !steps.dryRun) {
    const head = await steps.run(["git", "-C", root, "rev-parse", "--short", "HEAD"]);
    return { version: head.stdout.trim(), family: "vimana" };
  }
  return { version: String(Math.floor(Date.now() / 1000)), family: "vimana-dirty" };
}

export async function makeNodeImage(steps: Steps, options: NodeImageOptions): Promise<string> {
  const { project, zone } = options;
  const { version, family } = await steps.step("name the image", [], () =>
    imageVersion(steps, options.root),
  );
  const vm = `image-dummy-${version}`;
  const snapshot = `image-snapshot-${version}`;
  const image = `node-${version}`;
  const where = [`--project=${project}`, `--zone=${zone}`];
  const dir = await mkdtemp(join(tmpdir(), "vimana-node-image-"));
  const key = join(dir, "id_ed25519");
  // What exists so far, undone in reverse order whatever happens.
  const undo: string[][] = [];
  try {
    await steps.step(`create the temporary VM ${vm}`, [], async () => {
      await steps.run([
        "gcloud",
        "compute",
        "instances",
        "create",
        vm,
        ...where,
        "--machine-type=e2-medium",
        "--image-project=debian-cloud",
        "--image-family=debian-12",
        "--metadata=enable-oslogin=TRUE",
      ]);
      undo.push(["gcloud", "compute", "instances", "delete", vm, ...where, "--quiet"]);
    });
    const login = await steps.step("give it a fresh SSH key (OS Login)", [], async () => {
      await steps.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", vm, "-f", key]);
      await steps.run([
        "gcloud",
        "compute",
        "os-login",
        "ssh-keys",
        "add",
        `--project=${project}`,
        `--key-file=${key}.pub`,
        "--ttl=2h",
      ]);
      undo.push([
        "gcloud",
        "compute",
        "os-login",
        "ssh-keys",
        "remove",
        `--project=${project}`,
        `--key-file=${key}.pub`,
      ]);
      const user = await steps.run([
        "gcloud",
        "compute",
        "os-login",
        "describe-profile",
        `--project=${project}`,
        "--format=value(posixAccounts[0].username)",
      ]);
      const ip = await steps.run([
        "gcloud",
        "compute",
        "instances",
        "describe",
        vm,
        ...where,
        "--format=value(networkInterfaces[0].accessConfigs[0].natIP)",
      ]);
      return `${user.stdout.trim() || "USER"}@${ip.stdout.trim() || "IP"}`;
    });
    const ssh = [
      "-i",
      key,
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "ConnectTimeout=10",
    ];
    await steps.step("upload vimanad, its unit and containerd's config", [], async () => {
      await writeFile(join(dir, "vimanad.service"), productionUnit);
      await writeFile(join(dir, "config.toml"), containerdConfig);
      // The VM's SSH daemon starts a little after the instance reports RUNNING.
      for (let attempt = 1; ; attempt++) {
        const probe = await steps.run(["ssh", ...ssh, login, "true"], { mayFail: attempt < 30 });
        if (probe.code === 0) break;
        await Bun.sleep(2000);
      }
      await steps.run([
        "scp",
        ...ssh,
        options.vimanad,
        join(dir, "vimanad.service"),
        join(dir, "config.toml"),
        `${login}:/tmp/`,
      ]);
    });
    await steps.step("install containerd, cloud-init and vimanad", [], async () => {
      await steps.run(["ssh", ...ssh, login, "sh", "-s"], { input: installScript });
    });
    await steps.step("stop the VM and snapshot its disk", [], async () => {
      await steps.run(["gcloud", "compute", "instances", "stop", vm, ...where]);
      await steps.run([
        "gcloud",
        "compute",
        "disks",
        "snapshot",
        vm,
        ...where,
        `--snapshot-names=${snapshot}`,
      ]);
      undo.push([
        "gcloud",
        "compute",
        "snapshots",
        "delete",
        snapshot,
        `--project=${project}`,
        "--quiet",
      ]);
    });
    await steps.step(`create image ${image} in family ${family}`, [], async () => {
      await steps.run([
        "gcloud",
        "compute",
        "images",
        "create",
        image,
        `--project=${project}`,
        `--source-snapshot=${snapshot}`,
        `--family=${family}`,
      ]);
    });
    steps.say(`image ${image} (family ${family}) is in project ${project}`);
    return image;
  } finally {
    if (undo.length > 0) steps.say("cleaning up");
    for (const argv of undo.reverse()) {
      const result = await steps.run(argv, { mayFail: true });
      if (result.code !== 0) steps.say(`clean-up failed; run it yourself: ${shellQuote(argv)}`);
    }
    await rm(dir, { recursive: true, force: true });
  }
}
