// Command-line tools the tests build from their Go modules, pinned and cached outside the
// checkout by version: grpcurl (gRPC calls and server reflection from the command line), h2spec
// (HTTP/2 conformance; go-tools/h2spec pins it and its dependencies), and the Go programs of
// test data (buildGoModule): the data plane's grpc-go client.
import { existsSync } from "node:fs";
import { mkdir, readdir, rename } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export const GRPCURL_VERSION = "v1.9.3";
const GRPCURL_MODULE = "github.com/fullstorydev/grpcurl/cmd/grpcurl";

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "vimana", "tools");
}

/** Where the pinned grpcurl lives once built. */
export function grpcurlPath(): string {
  return join(cacheDir(), `grpcurl-${GRPCURL_VERSION}`, "grpcurl");
}

/** Builds grpcurl with `go install` unless the cached one exists; returns its path. */
export async function ensureGrpcurl(progress: (line: string) => void = () => {}): Promise<string> {
  const path = grpcurlPath();
  if (existsSync(path)) return path;
  const go = findGo();
  if (go === null) throw new Error(`building grpcurl ${GRPCURL_VERSION} needs Go (go.dev/dl)`);
  progress(`building grpcurl ${GRPCURL_VERSION} from its Go module (a minute or two, once)`);
  const child = Bun.spawn([go, "install", `${GRPCURL_MODULE}@${GRPCURL_VERSION}`], {
    env: {
      ...process.env,
      GOFLAGS: "-mod=mod",
      GOBIN: join(cacheDir(), `grpcurl-${GRPCURL_VERSION}`),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0)
    throw new Error(`go install ${GRPCURL_MODULE}@${GRPCURL_VERSION} failed:\n${stderr}`);
  return path;
}

/** `go` on PATH, or where the official tarball puts it; null without Go. */
export function findGo(): string | null {
  return Bun.which("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : null);
}

export const H2SPEC_VERSION = "v2.2.1";
const h2specModule = join(import.meta.dir, "go-tools", "h2spec");

/** Builds h2spec (pinned with its dependencies in go-tools/h2spec) unless cached; its path. */
export function ensureH2spec(progress: (line: string) => void = () => {}): Promise<string> {
  return buildGoModule(h2specModule, `h2spec-${H2SPEC_VERSION}`, {
    target: "github.com/summerwind/h2spec/cmd/h2spec",
    progress,
  });
}

const grpcGoClientModule = join(
  import.meta.dir,
  "..",
  "runtime",
  "dataplane",
  "testdata",
  "grpc-go-client",
);

/** Builds the data plane's grpc-go test client (its go.mod pins grpc-go) unless cached. */
export function ensureGrpcGoClient(progress: (line: string) => void = () => {}): Promise<string> {
  return buildGoModule(grpcGoClientModule, "grpc-go-client", { progress });
}

/**
 * Builds the program of a Go module directory (its own go.mod and go.sum pin every version) into
 * the tools cache, keyed by a hash of the module's files, unless it is there; returns its path.
 * `target` is the package to build (default: the directory's own main package).
 */
export async function buildGoModule(
  dir: string,
  name: string,
  options: { target?: string; progress?: (line: string) => void } = {},
): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  const files = (await readdir(dir)).filter((f) => /^go\.(mod|sum)$|\.go$/.test(f)).sort();
  for (const file of files)
    hasher.update(`${file}\0`).update(await Bun.file(join(dir, file)).bytes());
  const binary = join(cacheDir(), `${name}-${hasher.digest("hex").slice(0, 16)}`, name);
  if (existsSync(binary)) return binary;
  const go = findGo();
  if (go === null) {
    throw new Error(
      `building ${name} (${dir}) needs Go ≥ 1.24 (Debian's golang-go is too old): install it from go.dev/dl into /usr/local/go`,
    );
  }
  options.progress?.(
    `building ${name} from ${dir} (once; its module versions are pinned in go.mod)`,
  );
  await mkdir(join(binary, ".."), { recursive: true });
  const child = Bun.spawn([go, "build", "-o", `${binary}.partial`, options.target ?? "."], {
    cwd: dir,
    env: { ...process.env, GOFLAGS: "-mod=mod" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`go build ${options.target ?? "."} in ${dir} failed:\n${stderr}`);
  await rename(`${binary}.partial`, binary);
  return binary;
}
