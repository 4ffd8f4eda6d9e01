import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { componentFromCore, type WorldRef } from "./component.ts";
import { cToolchain, installCommand, missing } from "./toolchain.ts";

/**
 * Builds a component from C sources with clang and wasi-libc, as a reactor: the module has
 * no `main`, only the world's exports (and `_initialize`, which runs constructors).
 */
export async function buildCComponent(sources: string[], target: WorldRef): Promise<Uint8Array> {
  const absent = missing(cToolchain);
  if (absent.length > 0) {
    throw new Error(`building ${sources.join(", ")} needs: ${installCommand(absent)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "vimana-cc-"));
  try {
    const out = join(dir, "module.wasm");
    const clang = Bun.spawn(
      ["clang", "--target=wasm32-wasi", "-mexec-model=reactor", "-Os", "-s", "-o", out, ...sources],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [stderr, code] = await Promise.all([new Response(clang.stderr).text(), clang.exited]);
    // clang's diagnostics already carry file:line:column.
    if (code !== 0) throw new Error(`clang failed (exit ${code}):\n${stderr.trimEnd()}`);
    // Await inside try, so the temp dir outlives the build and a failure rejects this promise.
    return await componentFromCore(new Uint8Array(await Bun.file(out).arrayBuffer()), target);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
