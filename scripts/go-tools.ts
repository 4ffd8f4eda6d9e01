// Command-line tools the tests build from their Go modules, pinned and cached outside the
// checkout by version: grpcurl (gRPC calls and server reflection from the command line).
import { existsSync } from "node:fs";
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
  const go =
    Bun.which("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : null);
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
