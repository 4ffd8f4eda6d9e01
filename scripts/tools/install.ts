// Installs a tool into .bin/ from the first source that works: the binary goes to a cache
// directory per tool and version (~/.cache/vimana/tools/NAME-VERSION), .bin/NAME links to it.
// A download is written only once its SHA-256 matches the pinned one, so a mismatch leaves
// nothing behind; the link appears in one rename.
import { createHash } from "node:crypto";
import { existsSync, readlinkSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { ensureBinaries, vimanaCacheDir } from "../kubernetes/index.ts";
import type { Platform, Source, Tool } from "./catalog.ts";
import { releaseChecksums } from "./versions.ts";

export interface InstallOptions {
  /** The checkout: `repo` sources are relative to it. */
  readonly root: string;
  /** Where the links go (default ROOT/.bin). */
  readonly binDir?: string;
  /** Where the binaries go (default ~/.cache/vimana/tools). */
  readonly cacheDir?: string;
  readonly platform?: Platform;
  /** Pinned release checksums (default: versions.ts). */
  readonly checksums?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

/** A download whose bytes differ from the pinned checksum: never falls back to another source. */
export class ChecksumMismatch extends Error {
  override readonly name = "ChecksumMismatch";
}

export function currentPlatform(): Platform {
  const os = process.platform === "darwin" ? "darwin" : "linux";
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  return `${os}-${arch}`;
}

export function binDirOf(options: InstallOptions): string {
  return options.binDir ?? join(options.root, ".bin");
}

function toolCacheDir(tool: Tool, options: InstallOptions): string {
  return join(options.cacheDir ?? join(vimanaCacheDir(), "tools"), `${tool.name}-${tool.version}`);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function run(argv: readonly string[], env: Record<string, string> = {}): Promise<void> {
  const child = Bun.spawn([...argv], {
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}:\n${(err || out).trim()}`);
}

/** Tries one source; returns the binary's path, or a reason it does not apply here. */
async function fromSource(
  tool: Tool,
  source: Source,
  options: InstallOptions,
): Promise<{ path: string } | { skipped: string }> {
  const log = options.log ?? (() => {});
  const dir = toolCacheDir(tool, options);
  const target = join(dir, tool.name);
  const cachedBuild = source.kind === "download" || source.kind === "go" || source.kind === "cargo";
  if (cachedBuild && existsSync(target)) return { path: target };
  switch (source.kind) {
    case "download": {
      const platform = options.platform ?? currentPlatform();
      const key = `${tool.name}@${tool.version}/${platform}`;
      const pinned = (options.checksums ?? releaseChecksums)[key];
      if (pinned === undefined) return { skipped: `download: no pinned checksum for ${key}` };
      const [os, arch] = platform.split("-") as [string, string];
      const url = source.url({ os, arch });
      log(`${tool.name}: downloading ${url}`);
      let bytes: Uint8Array;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
        if (!response.ok) return { skipped: `download: ${url} answered ${response.status}` };
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        return { skipped: `download: ${url} unreachable (${(error as Error).message})` };
      }
      const actual = sha256(bytes);
      if (actual !== pinned) {
        throw new ChecksumMismatch(
          `${tool.name} ${tool.version}: checksum mismatch for ${url}: pinned sha256 ${pinned}, got ${actual}; nothing installed`,
        );
      }
      await mkdir(dir, { recursive: true });
      const work = await mkdtemp(join(dir, ".download-"));
      try {
        let file = join(work, "download");
        await writeFile(file, bytes);
        if (source.member !== undefined) {
          await run(["tar", "-xzf", file, "-C", work]);
          const found = [...new Bun.Glob(source.member).scanSync({ cwd: work })][0];
          if (found === undefined) throw new Error(`${url} holds no ${source.member}`);
          file = join(work, found);
        }
        await chmod(file, 0o755);
        await rename(file, target);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      return { path: target };
    }
    case "cluster": {
      const paths = await ensureBinaries({ only: [source.binary], log });
      return { path: paths[source.binary] };
    }
    case "go": {
      const go =
        Bun.which("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : null);
      if (go === null) return { skipped: "go: no Go toolchain (go.dev/dl)" };
      log(`${tool.name}: building ${source.package}@${tool.version} with Go (minutes, once)`);
      const module = `${source.package}@${tool.version}`;
      const ldflags = ["-s", "-w", ...source.ldflags].join(" ");
      try {
        await run([go, "install", "-trimpath", `-ldflags=${ldflags}`, module], {
          GOBIN: dir,
          CGO_ENABLED: "0",
          GOFLAGS: "-mod=mod",
        });
      } catch (error) {
        return { skipped: `go: ${(error as Error).message}` };
      }
      const built = join(
        dir,
        source.package
          .split("/")
          .filter((p) => !/^v\d+$/.test(p))
          .at(-1) as string,
      );
      if (built !== target) await rename(built, target);
      return { path: target };
    }
    case "cargo": {
      const cargo = Bun.which("cargo");
      if (cargo === null) return { skipped: "cargo: no Rust toolchain (rustup.rs)" };
      log(
        `${tool.name}: building the ${source.crate} ${tool.version} crate with cargo (many minutes, once)`,
      );
      const root = await mkdtemp(join(vimanaCacheDir(), `.cargo-${tool.name}-`));
      try {
        await run([
          cargo,
          "install",
          "--locked",
          "--root",
          root,
          `${source.crate}@${tool.version}`,
        ]);
        await mkdir(dir, { recursive: true });
        await rename(join(root, "bin", tool.name), target);
      } catch (error) {
        return { skipped: `cargo: ${(error as Error).message}` };
      } finally {
        await rm(root, { recursive: true, force: true });
      }
      return { path: target };
    }
    case "system": {
      let found = Bun.which(tool.name, { PATH: systemPath(options) });
      if (found === null && Bun.which("apt-get") !== null && process.getuid?.() === 0) {
        log(`${tool.name}: apt-get install -y ${source.apt}`);
        await run(["apt-get", "install", "-y", source.apt]);
        found = Bun.which(tool.name, { PATH: systemPath(options) });
      }
      return found === null
        ? { skipped: `system: no ${tool.name} on PATH; install the ${source.apt} package` }
        : { path: found };
    }
    case "repo":
      return { path: join(options.root, source.path) };
  }
}

/** PATH without .bin/, so a system tool never resolves to our own link. */
function systemPath(options: InstallOptions): string {
  const bin = binDirOf(options);
  return (process.env.PATH ?? "")
    .split(":")
    .filter((entry) => entry !== bin && entry !== "")
    .join(":");
}

/** Where .bin/NAME points, or undefined. */
export function linkTarget(tool: Tool, options: InstallOptions): string | undefined {
  try {
    return readlinkSync(join(binDirOf(options), tool.name));
  } catch {
    return undefined;
  }
}

/** Whether .bin/NAME is there and points at this version's binary. */
export function isInstalled(tool: Tool, options: InstallOptions): boolean {
  const target = linkTarget(tool, options);
  if (target === undefined || !existsSync(join(binDirOf(options), tool.name))) return false;
  return tool.version === "system" || tool.version === "repo" || target.includes(tool.version);
}

/** Installs `tool` (if not installed at its version) and returns the path of .bin/NAME. */
export async function installTool(tool: Tool, options: InstallOptions): Promise<string> {
  const bin = binDirOf(options);
  const link = join(bin, tool.name);
  if (isInstalled(tool, options)) return link;
  const reasons: string[] = [];
  for (const source of tool.sources) {
    const result = await fromSource(tool, source, options);
    if ("skipped" in result) {
      reasons.push(result.skipped);
      continue;
    }
    await mkdir(bin, { recursive: true });
    const temporary = join(bin, `.${tool.name}.${process.pid}.tmp`);
    try {
      await rm(temporary, { force: true });
      // Links into the checkout stay relative, so a moved checkout keeps them.
      const inRepo = result.path.startsWith(`${options.root}/`);
      await symlink(inRepo ? relative(bin, result.path) : result.path, temporary);
      await rename(temporary, link);
    } finally {
      await rm(temporary, { force: true });
    }
    return link;
  }
  throw new Error(
    `${tool.name} ${tool.version}: no source worked on this machine:\n  ${reasons.join("\n  ")}`,
  );
}
