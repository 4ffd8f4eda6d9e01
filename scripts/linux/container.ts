// The persistent Linux container of one worktree (ref §9.4's bazel-docker, for `bun run`): its
// name comes from the checkout's path, the checkout is mounted at the same path, caches live in a
// named volume, and it has what the runtime tests need (containerd, network namespaces, mounts).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";

/** Debian with this Bun; `bun run test` installs the rest with apt-get as root. */
export function containerImage(): string {
  return `oven/bun:${Bun.version}`;
}

/** `vimana-<checkout directory>-<first 7 hex of sha256(checkout path)>`. */
export function containerName(root: string): string {
  const hash = createHash("sha256").update(root).digest("hex").slice(0, 7);
  const base = basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, "-");
  return `vimana-${base}-${hash}`;
}

/** The `docker run` that creates the container. */
export function runArgs(root: string, home = homedir()): string[] {
  const name = containerName(root);
  const kube = join(home, ".kube");
  return [
    "docker",
    "run",
    "--detach",
    `--name=${name}`,
    `--hostname=${name}`,
    `--label=host.vimana.worktree=${root}`,
    // containerd, runc, CNI and the tests' network namespaces need a privileged container with
    // the host's cgroup namespace.
    "--privileged",
    "--cgroupns=host",
    "--security-opt=seccomp=unconfined",
    "--add-host=host.docker.internal:host-gateway",
    `--volume=${root}:${root}`,
    // Linux packages apart from the host's (macOS) node_modules.
    `--volume=${name}-node_modules:${root}/node_modules`,
    // Go's module and build caches, ~/.cache/vimana's Kubernetes builds, Bun's cache.
    "--volume=vimana-linux-cache:/root/.cache",
    "--volume=vimana-linux-go:/root/go",
    ...(existsSync(kube) ? [`--volume=${kube}:/root/.kube:ro`] : []),
    `--workdir=${root}`,
    containerImage(),
    "sleep",
    "infinity",
  ];
}

/** The `docker exec` that runs `bun run ARGS…` in `cwd`. */
export function execArgs(
  root: string,
  cwd: string,
  args: readonly string[],
  tty: boolean,
  home = homedir(),
): string[] {
  // Only a kubeconfig under ~/.kube is inside the container (read-only, as /root/.kube).
  const kubeconfig = process.env.KUBECONFIG;
  const kubeDir = join(home, ".kube");
  const env = kubeconfig?.startsWith(`${kubeDir}/`)
    ? [`--env=KUBECONFIG=/root/.kube/${kubeconfig.slice(kubeDir.length + 1)}`]
    : [];
  const terminal = tty ? ["--tty"] : [];
  return [
    "docker",
    "exec",
    "--interactive",
    ...terminal,
    `--workdir=${cwd}`,
    ...env,
    containerName(root),
    "bun",
    "run",
    ...args,
  ];
}
