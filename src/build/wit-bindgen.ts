// wit-bindgen's C generator: the canonical-ABI glue of any world, so a C component can follow
// its own `.proto`. The CLI comes from crates.io (`cargo install`, the C generator alone),
// pinned and cached outside the checkout; it is installed on first use.
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export const WIT_BINDGEN_VERSION = "0.63.0";

function root(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(cache, "vimana", "tools", `wit-bindgen-cli-${WIT_BINDGEN_VERSION}`);
}

let installing: Promise<string> | undefined;

/** The wit-bindgen executable, installed with cargo when missing. */
export function ensureWitBindgen(progress: (line: string) => void): Promise<string> {
  const path = join(root(), "bin", "wit-bindgen");
  if (existsSync(path)) return Promise.resolve(path);
  installing ??= (async () => {
    const cargo = Bun.which("cargo") ?? join(homedir(), ".cargo", "bin", "cargo");
    if (!existsSync(cargo)) {
      throw new Error(
        `C components need wit-bindgen-cli ${WIT_BINDGEN_VERSION}, installed with cargo: install Rust (https://rustup.rs), then build again`,
      );
    }
    progress(
      `installing wit-bindgen-cli ${WIT_BINDGEN_VERSION} from crates.io into ${root()} (a few minutes, once)`,
    );
    const child = Bun.spawn(
      [
        cargo,
        "install",
        "wit-bindgen-cli",
        "--version",
        WIT_BINDGEN_VERSION,
        "--locked",
        "--no-default-features",
        "--features",
        "c",
        "--root",
        root(),
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    if (code !== 0) {
      throw new Error(
        `cargo install wit-bindgen-cli@${WIT_BINDGEN_VERSION} failed:\n${stderr.trimEnd()}`,
      );
    }
    return path;
  })().finally(() => {
    installing = undefined;
  });
  return installing;
}

/**
 * Generates the C glue of `world` from the WIT package in `witDir` (with its `deps/`) into
 * `outDir`: `<world>.h`, `<world>.c` and `<world>_component_type.o` (the glue refers to a symbol
 * in it, so it is linked too). Returns their paths.
 */
export async function generateCBindings(
  witDir: string,
  world: string,
  outDir: string,
  progress: (line: string) => void,
): Promise<{ source: string; header: string; object: string }> {
  const bindgen = await ensureWitBindgen(progress);
  await mkdir(outDir, { recursive: true });
  const child = Bun.spawn([bindgen, "c", "--world", world, "--out-dir", outDir, witDir], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0)
    throw new Error(`wit-bindgen c (world ${world}, ${witDir}) failed:\n${stderr.trimEnd()}`);
  const files = await readdir(outDir);
  const source = files.find((f) => f.endsWith(".c"));
  const header = files.find((f) => f.endsWith(".h"));
  const object = files.find((f) => f.endsWith("_component_type.o"));
  if (!source || !header || !object) {
    throw new Error(`wit-bindgen c wrote no .c, .h and component-type object into ${outDir}`);
  }
  return {
    source: join(outDir, source),
    header: join(outDir, header),
    object: join(outDir, object),
  };
}
