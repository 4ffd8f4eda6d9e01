// The version lists of the npm registry, the Go module proxy and the crates.io index.
export interface Registries {
  readonly npm: string;
  readonly goProxy: string;
  readonly cratesIndex: string;
  /** The local Go toolchain's version (`1.26.8`): newer modules asking for more are passed over. */
  readonly goToolchain?: string;
}

export function defaultRegistries(
  env: Record<string, string | undefined> = process.env,
): Registries {
  const goProxy = (env.GOPROXY ?? "https://proxy.golang.org")
    .split(/[,|]/)
    .find((entry) => entry !== "direct" && entry !== "off");
  return {
    npm: (
      env.NPM_CONFIG_REGISTRY ??
      env.npm_config_registry ??
      "https://registry.npmjs.org"
    ).replace(/\/$/, ""),
    goProxy: (goProxy ?? "https://proxy.golang.org").replace(/\/$/, ""),
    cratesIndex: "https://index.crates.io",
    goToolchain: localGoVersion(),
  };
}

async function get(url: string, accept?: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: accept === undefined ? {} : { accept },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new Error(`${url} unreachable: ${(error as Error).message}`);
  }
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

export async function npmVersions(registries: Registries, name: string): Promise<string[]> {
  const body = await get(
    `${registries.npm}/${name.replace("/", "%2f")}`,
    "application/vnd.npm.install-v1+json",
  );
  return Object.keys((JSON.parse(body) as { versions: Record<string, unknown> }).versions);
}

/** Module paths escape capitals as `!` + lower case. */
function escapeModule(module: string): string {
  return module.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

export async function goVersions(registries: Registries, module: string): Promise<string[]> {
  const body = await get(`${registries.goProxy}/${escapeModule(module)}/@v/list`);
  return body.split("\n").filter((line) => line !== "");
}

/** The Go version a module's go.mod asks for (its `go` line), e.g. `1.24.0`. */
export async function goModRequires(
  registries: Registries,
  module: string,
  version: string,
): Promise<string | undefined> {
  const body = await get(`${registries.goProxy}/${escapeModule(module)}/@v/${version}.mod`);
  return /^go\s+(\S+)/m.exec(body)?.[1];
}

/** Whether Go `have` is at least `want` (both like 1.26 or 1.26.8). */
export function goAtLeast(have: string, want: string): boolean {
  const [a, b] = [have, want].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) {
    const diff = ((a as number[])[i] ?? 0) - ((b as number[])[i] ?? 0);
    if (diff !== 0) return diff > 0;
  }
  return true;
}

/** `go env GOVERSION` without the `go` prefix, or undefined without Go. */
export function localGoVersion(): string | undefined {
  const go = Bun.which("go") ?? "/usr/local/go/bin/go";
  try {
    const result = Bun.spawnSync([go, "env", "GOVERSION"], { stdout: "pipe", stderr: "ignore" });
    return result.exitCode === 0 ? result.stdout.toString().trim().replace(/^go/, "") : undefined;
  } catch {
    return undefined;
  }
}

function crateIndexPath(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length <= 2) return `${lower.length}/${lower}`;
  if (lower.length === 3) return `3/${lower[0]}/${lower}`;
  return `${lower.slice(0, 2)}/${lower.slice(2, 4)}/${lower}`;
}

export async function crateVersions(registries: Registries, name: string): Promise<string[]> {
  const body = await get(`${registries.cratesIndex}/${crateIndexPath(name)}`);
  return body
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { vers: string; yanked: boolean })
    .filter((entry) => !entry.yanked)
    .map((entry) => entry.vers);
}
