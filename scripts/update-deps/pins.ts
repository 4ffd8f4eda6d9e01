// Every pinned version update-deps looks after: where it is written, where its versions are
// listed and how far it may move.
import type { Policy } from "./policy.ts";

export interface Pin {
  /** What the output calls it. */
  readonly name: string;
  /** The file holding it, relative to the checkout. */
  readonly file: string;
  readonly current: string;
  readonly registry: "npm" | "go" | "crate";
  /** npm package, Go module or crate. */
  readonly id: string;
  readonly policy: Policy;
  /** The file's text with this pin at `next`. */
  rewrite(text: string, next: string): string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Replaces exactly one `prefix` + quoted current version; anything else is a broken pin. */
function rewriteOne(
  file: string,
  text: string,
  prefix: RegExp,
  current: string,
  next: string,
): string {
  const pattern = new RegExp(`(${prefix.source})"${escapeRegExp(current)}"`, "g");
  const matches = text.match(pattern) ?? [];
  if (matches.length !== 1) {
    throw new Error(`${file}: expected one ${prefix.source}"${current}", found ${matches.length}`);
  }
  return text.replace(pattern, `$1"${next}"`);
}

export function npmPins(packageJson: string): Pin[] {
  const manifest = JSON.parse(packageJson) as Record<string, Record<string, string> | undefined>;
  return ["dependencies", "devDependencies"].flatMap((section) =>
    Object.entries(manifest[section] ?? {}).map(([name, current]) => ({
      name,
      file: "package.json",
      current,
      registry: "npm" as const,
      id: name,
      policy: "compatible" as const,
      rewrite: (text: string, next: string) =>
        rewriteOne("package.json", text, new RegExp(`"${escapeRegExp(name)}": `), current, next),
    })),
  );
}

const toolSources: Readonly<Record<string, { registry: "go" | "crate"; id: string }>> = {
  crane: { registry: "go", id: "github.com/google/go-containerregistry" },
  helm: { registry: "go", id: "helm.sh/helm/v3" },
  kops: { registry: "go", id: "k8s.io/kops" },
  kustomize: { registry: "go", id: "sigs.k8s.io/kustomize/kustomize/v5" },
  minikube: { registry: "go", id: "k8s.io/minikube" },
  "wasm-tools": { registry: "crate", id: "wasm-tools" },
  wasmtime: { registry: "crate", id: "wasmtime-cli" },
};

export function toolPins(versions: Readonly<Record<string, string>>): Pin[] {
  const file = "scripts/tools/versions.ts";
  return Object.entries(versions).map(([name, current]) => {
    const source = toolSources[name];
    if (source === undefined)
      throw new Error(`${file}: no registry known for tool ${name} (scripts/update-deps/pins.ts)`);
    return {
      name,
      file,
      current,
      ...source,
      policy: "compatible" as const,
      rewrite: (text: string, next: string) =>
        rewriteOne(file, text, new RegExp(`\\n\\s*"?${escapeRegExp(name)}"?: `), current, next),
    };
  });
}

/** The local cluster's pins move by patch releases only: they are chosen to match each other. */
const kubernetesModules: Readonly<Record<string, string>> = {
  kubernetesVersion: "k8s.io/kubernetes",
  etcdVersion: "go.etcd.io/etcd/server/v3",
  criToolsVersion: "sigs.k8s.io/cri-tools",
  gatewayApiVersion: "sigs.k8s.io/gateway-api",
  envoyGatewayVersion: "github.com/envoyproxy/gateway",
};

export function kubernetesPins(versions: Readonly<Record<string, string>>): Pin[] {
  const file = "scripts/kubernetes/versions.ts";
  return Object.entries(kubernetesModules).map(([constant, module]) => {
    const current = versions[constant];
    if (current === undefined) throw new Error(`${file} exports no ${constant}`);
    return {
      name: constant,
      file,
      current,
      registry: "go" as const,
      id: module,
      policy: "patch" as const,
      rewrite: (text: string, next: string) =>
        rewriteOne(file, text, new RegExp(`export const ${constant} = `), current, next),
    };
  });
}
