import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { componentFromCore, type WorldRef } from "./component.ts";
import { cToolchain, installCommand, missing } from "./toolchain.ts";

/**
 * Builds a component from C sources with clang and wasi-libc, as a reactor: the module has
 * no `main`, only the world's exports (and `_initialize`, which runs constructors).
 */
export async function buildCComponent(
  sources: string[],
  headers: string[],
  target: WorldRef,
): Promise<Uint8Array> {
  const absent = missing(cToolchain);
  if (absent.length > 0) {
    throw new Error(`building ${sources.join(", ")} needs: ${installCommand(absent)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "vimana-cc-"));
  try {
    // Compile with -Os, link without -O: clang runs a `wasm-opt` it finds on PATH when linking
    // with optimization (`bun run` puts binaryen's there), which would make the output depend on
    // how the build was started.
    // Headers are found where they are, e.g. generated glue in build/<component>/bindings.
    const includes = [...new Set(headers.map((h) => `-I${dirname(h)}`))];
    const objects = await Promise.all(
      sources.map(async (source, i) => {
        // An object file (wit-bindgen's component-type object) is linked as it is.
        if (source.endsWith(".o")) return source;
        const object = join(dir, `${i}.o`);
        await clang(["-Os", ...includes, "-c", "-o", object, source]);
        return object;
      }),
    );
    const out = join(dir, "module.wasm");
    await clang(["-mexec-model=reactor", "-s", "-o", out, ...objects]);
    // Await inside try, so the temp dir outlives the build and a failure rejects this promise.
    return await componentFromCore(new Uint8Array(await Bun.file(out).arrayBuffer()), target);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function clang(args: string[]): Promise<void> {
  const child = Bun.spawn(["clang", "--target=wasm32-wasi", ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  // clang's diagnostics already carry file:line:column.
  if (code !== 0) throw new Error(`clang failed (exit ${code}):\n${stderr.trimEnd()}`);
}

let clangVersion: Promise<string> | undefined;

/** clang's version line: part of a C build's cache key, so a toolchain upgrade rebuilds. */
export function cToolchainVersion(): Promise<string> {
  clangVersion ??= (async () => {
    const child = Bun.spawn(["clang", "--version"], { stdout: "pipe", stderr: "ignore" });
    const [out] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    return out.split("\n")[0] ?? "";
  })();
  return clangVersion;
}
