// bun run linux -- CMD [ARG…]: `bun run CMD ARG…` inside this worktree's persistent Linux
// container (created or started as needed), in the caller's directory. For macOS.
import { resolve } from "node:path";
import { containerImage, containerName, execArgs, runArgs } from "./container.ts";

const root = resolve(import.meta.dir, "../..");
const args = process.argv.slice(2);
const help = `Usage: bun run linux -- CMD [ARG…]
       bun run linux --name | --remove

Runs \`bun run CMD ARG…\` inside a persistent Linux container of this worktree, in the directory
bun run was called from: the way to run the runtime (containerd, network namespaces) on macOS.
The container, vimana-<directory>-<7 hex of sha256(checkout path)> (--name prints it), is
created from ${containerImage()} on first use: privileged, the checkout mounted at the same
path, node_modules and caches (Go, Bun, ~/.cache/vimana) in named volumes, ~/.kube read-only,
host.docker.internal pointing at the host.
  --name    print the container's name
  --remove  delete the container (the cache volumes stay)`;

function docker(argv: readonly string[], inherit = false) {
  const result = Bun.spawnSync([...argv], {
    stdio: inherit ? ["inherit", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
  });
  return {
    code: result.exitCode,
    stdout: result.stdout?.toString() ?? "",
    stderr: result.stderr?.toString() ?? "",
  };
}

function fail(message: string, code = 1): never {
  console.error(`linux: ${message}`);
  process.exit(code);
}

const name = containerName(root);
const first = args[0];
if (first === undefined) fail(`name a bun run command\n\n${help}`, 2);
if (first === "--help" || first === "-h") {
  console.log(help);
  process.exit(0);
}
if (first === "--name") {
  console.log(name);
  process.exit(0);
}
if (first === "--remove") {
  const removed = docker(["docker", "rm", "--force", name]);
  if (removed.code !== 0) fail(`docker rm --force ${name} failed:\n${removed.stderr.trim()}`);
  process.exit(0);
}

const state = docker(["docker", "container", "inspect", "--format={{.State.Running}}", name]);
if (state.code !== 0) {
  console.error(`linux: creating container ${name} from ${containerImage()} (first run)`);
  const created = docker(runArgs(root));
  if (created.code !== 0) {
    // A failed `docker run` can leave a created but stopped container behind.
    docker(["docker", "rm", "--force", name]);
    fail(`creating container ${name} failed:\n${(created.stderr || created.stdout).trim()}`);
  }
} else if (state.stdout.trim() !== "true") {
  const started = docker(["docker", "start", name]);
  if (started.code !== 0) fail(`starting container ${name} failed:\n${started.stderr.trim()}`);
}
// bun run starts scripts in the package's directory; it passes the caller's as this variable.
const cwd = process.env.npm_config_local_prefix ?? process.cwd();
const child = Bun.spawn(execArgs(root, cwd, args, process.stdin.isTTY === true), {
  stdio: ["inherit", "inherit", "inherit"],
});
process.exit(await child.exited);
