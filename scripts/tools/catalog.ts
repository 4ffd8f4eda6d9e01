// Each tool `bun run tools` installs, and the sources it can come from, in order of preference:
// a release download (only with a pinned checksum), the local cluster's cached build, a build
// from the tool's Go module or crate, or the system's package.
import { criToolsVersion, kubernetesVersion } from "../kubernetes/index.ts";
import { toolVersions } from "./versions.ts";

export type Platform = `${"linux" | "darwin"}-${"x64" | "arm64"}`;

export type Source =
  /** A release file (binary, or a .tar.gz holding `member`). `url` gets the platform's names. */
  | {
      readonly kind: "download";
      readonly url: (p: { os: string; arch: string }) => string;
      readonly member?: string;
    }
  /** The local cluster's pinned build (scripts/kubernetes), shared with it in ~/.cache/vimana. */
  | { readonly kind: "cluster"; readonly binary: "kubectl" | "crictl" }
  /** `go install package@version` (module proxy, checked against go.sum's database). */
  | { readonly kind: "go"; readonly package: string; readonly ldflags: readonly string[] }
  /** `cargo install --locked crate@version` (crates.io). */
  | { readonly kind: "cargo"; readonly crate: string }
  /** The system's command, from `apt-get install PACKAGE` when missing and apt is there. */
  | { readonly kind: "system"; readonly apt: string }
  /** A script in this repository. */
  | { readonly kind: "repo"; readonly path: string };

export interface Tool {
  readonly name: string;
  /** "system" for the operating system's own, "repo" for this checkout's. */
  readonly version: string;
  readonly sources: readonly Source[];
}

const { crane, helm, kops, kustomize, minikube } = toolVersions;
const goArch = (arch: string) => (arch === "x64" ? "amd64" : arch);

export const tools: readonly Tool[] = [
  {
    name: "crane",
    version: crane,
    sources: [
      {
        kind: "download",
        url: ({ os, arch }) =>
          `https://github.com/google/go-containerregistry/releases/download/${crane}/go-containerregistry_${os === "linux" ? "Linux" : "Darwin"}_${arch === "x64" ? "x86_64" : arch}.tar.gz`,
        member: "crane",
      },
      {
        kind: "go",
        package: "github.com/google/go-containerregistry/cmd/crane",
        ldflags: [`-X github.com/google/go-containerregistry/cmd/crane/cmd.Version=${crane}`],
      },
    ],
  },
  {
    name: "crictl",
    version: criToolsVersion,
    sources: [{ kind: "cluster", binary: "crictl" }],
  },
  {
    name: "helm",
    version: helm,
    sources: [
      {
        kind: "download",
        url: ({ os, arch }) => `https://get.helm.sh/helm-${helm}-${os}-${goArch(arch)}.tar.gz`,
        member: `*/helm`,
      },
      {
        kind: "go",
        package: "helm.sh/helm/v3/cmd/helm",
        ldflags: [`-X helm.sh/helm/v3/internal/version.version=${helm}`],
      },
    ],
  },
  {
    name: "kops",
    version: kops,
    sources: [
      {
        kind: "download",
        url: ({ os, arch }) =>
          `https://github.com/kubernetes/kops/releases/download/${kops}/kops-${os}-${goArch(arch)}`,
      },
    ],
  },
  {
    name: "kubectl",
    version: kubernetesVersion,
    sources: [
      {
        kind: "download",
        url: ({ os, arch }) =>
          `https://dl.k8s.io/release/${kubernetesVersion}/bin/${os}/${goArch(arch)}/kubectl`,
      },
      { kind: "cluster", binary: "kubectl" },
    ],
  },
  {
    name: "kustomize",
    version: kustomize,
    sources: [
      {
        kind: "download",
        url: ({ os, arch }) =>
          `https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2F${kustomize}/kustomize_${kustomize}_${os}_${goArch(arch)}.tar.gz`,
        member: "kustomize",
      },
      { kind: "go", package: "sigs.k8s.io/kustomize/kustomize/v5", ldflags: [] },
    ],
  },
  {
    name: "minikube",
    version: minikube,
    sources: [
      {
        kind: "download",
        url: ({ os, arch }) =>
          `https://github.com/kubernetes/minikube/releases/download/${minikube}/minikube-${os}-${goArch(arch)}`,
      },
    ],
  },
  { name: "openssl", version: "system", sources: [{ kind: "system", apt: "openssl" }] },
  { name: "sudo-persist", version: "repo", sources: [{ kind: "repo", path: "bin/sudo-persist" }] },
  {
    name: "wasm-tools",
    version: toolVersions["wasm-tools"],
    sources: [{ kind: "cargo", crate: "wasm-tools" }],
  },
  {
    name: "wasmtime",
    version: toolVersions.wasmtime,
    sources: [{ kind: "cargo", crate: "wasmtime-cli" }],
  },
];

export function findTool(name: string): Tool {
  const tool = tools.find((candidate) => candidate.name === name);
  if (tool === undefined) {
    throw new Error(`unknown tool "${name}"; known: ${tools.map((t) => t.name).join(", ")}`);
  }
  return tool;
}
