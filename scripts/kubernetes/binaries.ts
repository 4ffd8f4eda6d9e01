// Builds the upstream binaries the local cluster runs from their published Go modules, into a
// cache outside the checkout (one directory per project and version), skipping what is there.
import { existsSync, readFileSync, renameSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { withBuildLock } from "./lock.ts";
import {
  criToolsVersion,
  envoyGatewayVersion,
  etcdVersion,
  kubernetesVersion,
} from "./versions.ts";

export const kubernetesBinaryNames = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kubectl",
] as const;

export type BinaryName =
  | (typeof kubernetesBinaryNames)[number]
  | "etcd"
  | "crictl"
  | "envoy-gateway";

/** Absolute paths of every binary, whether built yet or not. */
export type BinaryPaths = Readonly<Record<BinaryName, string>>;

/** One Go module (at one version) and the commands built from it. */
interface GoProject {
  readonly title: string;
  /** The cache directory's name under ~/.cache/vimana. */
  readonly cacheName: string;
  readonly module: string;
  readonly version: string;
  /** Binary name → Go package path. */
  readonly commands: Readonly<Partial<Record<BinaryName, string>>>;
  readonly ldflags: readonly string[];
  /** `replace` lines the wrapper module needs. */
  replaces(go: GoTool): Promise<readonly string[]>;
}

const noReplaces = async () => [];

// Plain `-X` stamps: without them the commands report v0.0.0-master and version-skew checks
// (kubectl, kubelet registering with the API server) misread them.
function kubernetesLdflags(version: string): string[] {
  const [major, minor] = version.replace(/^v/, "").split(".");
  return ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
}

const projects: readonly GoProject[] = [
  {
    title: "Kubernetes",
    cacheName: "kubernetes",
    module: "k8s.io/kubernetes",
    version: kubernetesVersion,
    commands: Object.fromEntries(
      kubernetesBinaryNames.map((name) => [name, `k8s.io/kubernetes/cmd/${name}`]),
    ),
    ldflags: kubernetesLdflags(kubernetesVersion),
    replaces: kubernetesStagingReplaces,
  },
  {
    title: "etcd",
    cacheName: "etcd",
    module: "go.etcd.io/etcd/server/v3",
    version: etcdVersion,
    commands: { etcd: "go.etcd.io/etcd/server/v3" },
    ldflags: [],
    replaces: noReplaces,
  },
  {
    title: "cri-tools",
    cacheName: "cri-tools",
    module: "sigs.k8s.io/cri-tools",
    version: criToolsVersion,
    commands: { crictl: "sigs.k8s.io/cri-tools/cmd/crictl" },
    ldflags: [`-X sigs.k8s.io/cri-tools/pkg/version.Version=${criToolsVersion.replace(/^v/, "")}`],
    replaces: noReplaces,
  },
  {
    // The local cluster's Gateway API implementation, run in host mode (minikube/local/gateway).
    title: "Envoy Gateway",
    cacheName: "envoy-gateway",
    module: "github.com/envoyproxy/gateway",
    version: envoyGatewayVersion,
    commands: { "envoy-gateway": "github.com/envoyproxy/gateway/cmd/envoy-gateway" },
    ldflags: [
      `-X github.com/envoyproxy/gateway/internal/cmd/version.envoyGatewayVersion=${envoyGatewayVersion}`,
    ],
    replaces: noReplaces,
  },
];

/** ~/.cache/vimana (or $XDG_CACHE_HOME/vimana). */
export function vimanaCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "vimana");
}

function projectDir(project: GoProject): string {
  return join(vimanaCacheDir(), project.cacheName, project.version);
}

/** Where each binary is (or will be) cached. */
export function binaryPaths(): BinaryPaths {
  const entries = projects.flatMap((project) =>
    Object.keys(project.commands).map((name) => [name, join(projectDir(project), name)]),
  );
  return Object.fromEntries(entries) as Record<BinaryName, string>;
}

export interface EnsureOptions {
  /** Only these binaries (and whatever shares their build); all by default. */
  readonly only?: readonly BinaryName[];
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** Builds whatever of the requested binaries is missing; resolves every binary's path. */
export async function ensureBinaries(options: EnsureOptions = {}): Promise<BinaryPaths> {
  const log = options.log ?? ((line: string) => console.log(line));
  const wanted = new Set<string>(options.only ?? Object.keys(binaryPaths()));
  const paths = binaryPaths();
  const missingOf = (project: GoProject) =>
    Object.keys(project.commands).filter(
      (name) => wanted.has(name) && !existsSync(paths[name as BinaryName]),
    );
  if (projects.every((project) => missingOf(project).length === 0)) return paths;
  const go = findGo();
  await mkdir(vimanaCacheDir(), { recursive: true });
  // One build at a time on the machine: two test runs must not both compile kube-apiserver.
  await withBuildLock(join(vimanaCacheDir(), "kubernetes-build.lock"), log, async () => {
    for (const project of projects) {
      const missing = missingOf(project);
      if (missing.length > 0) await buildProject(go, project, missing as BinaryName[], log);
    }
  });
  return paths;
}

interface GoTool {
  readonly path: string;
  run(args: readonly string[], cwd: string, what: string): Promise<string>;
}

function findGo(): GoTool {
  const path =
    Bun.which("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : null);
  if (path === null) {
    throw new Error(
      "building the Kubernetes binaries needs Go ≥ 1.24 (`go` on PATH or /usr/local/go/bin/go); " +
        "install it from https://go.dev/dl/",
    );
  }
  return {
    path,
    async run(args, cwd, what) {
      const child = Bun.spawn([path, ...args], {
        cwd,
        stdout: "pipe",
        stderr: "pipe",
        // The flags of the warm-up builds, so the Go build cache is shared with them.
        env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
      });
      const [out, err, code] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      if (code !== 0) {
        throw new Error(`${what} failed: go ${args.join(" ")} (in ${cwd}, exit ${code}):\n${err}`);
      }
      return out;
    },
  };
}

/**
 * `k8s.io/kubernetes` requires its staging modules at v0.0.0 and replaces them with its own
 * directories; a module that depends on it must replace each with the published v0.X.Y.
 */
async function kubernetesStagingReplaces(go: GoTool): Promise<readonly string[]> {
  const out = await go.run(
    ["mod", "download", "-json", `k8s.io/kubernetes@${kubernetesVersion}`],
    vimanaCacheDir(),
    "downloading k8s.io/kubernetes",
  );
  const goMod = readFileSync((JSON.parse(out) as { GoMod: string }).GoMod, "utf8");
  const staging = [...goMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s*=>\s*\.\/staging\//gm)].map(
    (match) => match[1],
  );
  if (staging.length === 0) {
    throw new Error(`k8s.io/kubernetes@${kubernetesVersion}'s go.mod replaces no staging module`);
  }
  const stagingVersion = kubernetesVersion.replace(/^v1\./, "v0.");
  return staging.map((module) => `replace ${module} => ${module} ${stagingVersion}`);
}

/** The file `go build -o DIR/` writes for a package: a major-version suffix (`/v3`) is skipped. */
export function goBinaryName(packagePath: string): string {
  const parts = packagePath.split("/");
  const last = parts.at(-1) as string;
  return /^v[0-9]+$/.test(last) && parts.length > 1 ? (parts.at(-2) as string) : last;
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

async function buildProject(
  go: GoTool,
  project: GoProject,
  names: readonly BinaryName[],
  log: (line: string) => void,
): Promise<void> {
  const dir = projectDir(project);
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, ".build-"));
  const started = Date.now();
  const what = `${project.title} ${project.version} (${names.join(", ")})`;
  log(`building ${what} with ${go.path}; from a cold Go cache this takes minutes…`);
  const ticker = setInterval(
    () => log(`  still building ${what}: ${formatDuration(Date.now() - started)}`),
    30_000,
  );
  try {
    const replaces = await project.replaces(go);
    const packages = names.map((name) => project.commands[name] as string);
    await writeFile(
      join(work, "go.mod"),
      `module vimana.local/build\n\ngo 1.24.0\n\n${replaces.join("\n")}\n`,
    );
    // The imports make `go get` record every dependency of the commands in go.sum.
    await writeFile(
      join(work, "tools.go"),
      `//go:build tools\n\npackage tools\n\nimport (\n${packages.map((p) => `\t_ "${p}"`).join("\n")}\n)\n`,
    );
    await go.run(["get", `${project.module}@${project.version}`], work, `resolving ${what}`);
    const ldflags = ["-s", "-w", ...project.ldflags].join(" ");
    const out = join(work, "bin");
    await go.run(
      ["build", "-trimpath", `-ldflags=${ldflags}`, "-o", `${out}/`, ...packages],
      work,
      `building ${what}`,
    );
    // Each binary appears whole or not at all.
    for (const name of names) {
      renameSync(join(out, goBinaryName(project.commands[name] as string)), join(dir, name));
    }
    log(`built ${what} into ${dir} in ${formatDuration(Date.now() - started)}`);
  } finally {
    clearInterval(ticker);
    await rm(work, { recursive: true, force: true });
  }
}
