// The GCP commands: bun run node-image | cluster:create | cluster:destroy | tls-secrets.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { StepFailed, Steps } from "../minikube/index.ts";
import { selfSignedTls } from "../src/tls/index.ts";
import { createCluster, destroyCluster } from "./cluster.ts";
import { makeNodeImage } from "./node-image.ts";
import { defaultProfilesPath, loadProfile, ProfileError } from "./profiles.ts";

const root = resolve(import.meta.dir, "..");

const help: Record<string, string> = {
  "node-image": `Usage: bun run node-image --gcp-project ID [--zone ZONE] [--vimanad FILE] [--dry-run]

Makes a GCE image with vimanad baked in: a temporary e2-medium VM from debian-12 (OS Login, a
fresh SSH key) gets vimanad (default dist/vimanad: bun run build), its systemd unit and
containerd's config, is stopped and snapshotted; the image is node-<version> in family vimana
(clean worktree: version = short commit) or vimana-dirty (version = Unix time). The VM, the
snapshot and the key are removed on success and on failure. Needs gcloud, ssh and scp.
  --zone     the VM's zone (default us-west1-a)
  --dry-run  print every command instead of running it`,
  "cluster:create": `Usage: bun run cluster:create PROFILE [--profiles FILE] [--dry-run]

Creates the kOps cluster of PROFILE (gcp/profiles.yaml, checked against gcp/profile-schema.json)
on GCE from the latest image of its family, with vimanad as the nodes' runtime, Envoy Gateway
(helm) and the operator; kubectl then points at it. A failure deletes what kOps made.
Needs gcloud, kops, helm and kubectl (bun run tools).
  --dry-run  print every command instead of running it`,
  "cluster:destroy": `Usage: bun run cluster:destroy PROFILE [--yes] [--profiles FILE] [--dry-run]

Deletes the kOps cluster of PROFILE after asking (--yes: without asking).
  --dry-run  print every command instead of running it`,
  "tls-secrets": `Usage: bun run tls-secrets --namespace NS [--dir DIR] HOSTNAME…

Prints kubernetes.io/tls Secrets (YAML) for each HOSTNAME, named c-<sha224(hostname)> as the
operator's Gateway listeners refer to them, signed by a self-signed root CA kept in DIR (default
~/.local/state/vimana/tls; made on first use). Pipe into kubectl apply -f -; clients trust DIR/ca.crt.`,
};

const [command = "", ...argv] = process.argv.slice(2);
if (!(command in help)) {
  console.error(`usage: bun gcp/main.ts ${Object.keys(help).join("|")} …`);
  process.exit(2);
}
const prefix = command;
let parsed: ReturnType<typeof parse>;
function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      "dry-run": { type: "boolean" },
      yes: { type: "boolean" },
      "gcp-project": { type: "string" },
      zone: { type: "string" },
      vimanad: { type: "string" },
      profiles: { type: "string" },
      namespace: { type: "string" },
      dir: { type: "string" },
    },
  });
}
try {
  parsed = parse(argv);
} catch (error) {
  console.error(`${prefix}: ${(error as Error).message}\n\n${help[command]}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(help[command]);
  process.exit(0);
}
function usage(message: string): never {
  console.error(`${prefix}: ${message}\n\n${help[command]}`);
  process.exit(2);
}
const steps = new Steps({ prefix, dryRun: values["dry-run"] === true });

try {
  if (command === "node-image") {
    if (values["gcp-project"] === undefined) usage("--gcp-project is required");
    const vimanad = resolve(values.vimanad ?? `${root}/dist/vimanad`);
    if (!steps.dryRun) {
      if (!(await Bun.file(vimanad).exists())) {
        usage(`no vimanad at ${vimanad}: run bun run build, or pass --vimanad FILE`);
      }
      // The VM is x86-64 Linux; a build made on macOS would not start there.
      const head = new Uint8Array(await Bun.file(vimanad).slice(0, 20).arrayBuffer());
      const elf = head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
      if (!elf || head[18] !== 0x3e || head[19] !== 0) {
        usage(`${vimanad} is not an x86-64 Linux executable: build it with bun run linux -- build`);
      }
    }
    await makeNodeImage(steps, {
      project: values["gcp-project"],
      zone: values.zone ?? "us-west1-a",
      vimanad,
      root,
    });
  } else if (command === "tls-secrets") {
    if (values.namespace === undefined) usage("--namespace is required");
    if (positionals.length === 0) usage("name at least one HOSTNAME");
    const home = process.env.XDG_STATE_HOME ?? `${process.env.HOME}/.local/state`;
    const tls = await selfSignedTls({
      hostnames: positionals,
      namespace: values.namespace,
      dir: values.dir ?? `${home}/vimana/tls`,
    });
    process.stdout.write(tls.secrets.map((s) => `---\n${stringify(s)}`).join(""));
    console.error(`${prefix}: clients trust ${tls.caCertPath}`);
  } else {
    const [name, ...extra] = positionals;
    if (name === undefined || extra.length > 0) usage("name exactly one PROFILE");
    const profile = await loadProfile(name, values.profiles ?? defaultProfilesPath);
    if (command === "cluster:create") await createCluster(steps, profile);
    else {
      if (values.yes !== true && !steps.dryRun) {
        const answer = prompt(
          `delete cluster ${profile.clusterName} (state ${profile.stateStore})? [y/N]`,
        );
        if (answer?.trim().toLowerCase() !== "y") {
          console.error(`${prefix}: not deleted`);
          process.exit(1);
        }
      }
      await destroyCluster(steps, profile);
    }
  }
} catch (error) {
  if (error instanceof StepFailed || error instanceof ProfileError) {
    console.error(`${prefix}: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
