// The one place for the versions of the command-line tools `bun run tools` installs into .bin/
// (kubectl and crictl follow the local cluster's pins in scripts/kubernetes/versions.ts).
// `bun run update-deps` rewrites the quoted versions here; keep one `name: "version"` per line.

export const toolVersions = {
  crane: "v0.22.1",
  helm: "v3.22.0",
  kops: "v1.34.1",
  kustomize: "v5.8.2",
  minikube: "v1.37.0",
  "wasm-tools": "1.263.0",
  wasmtime: "48.0.8",
} as const;

/**
 * Release downloads' SHA-256 per `<tool>@<version>/<platform>` (platform as `linux-x64`,
 * `darwin-arm64`): a download is only installed when its checksum is pinned here and matches.
 */
export const releaseChecksums: Readonly<Record<string, string>> = {};
