// Compiling test protos: the golden cases in place, ad-hoc sources written to a temporary
// directory.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Compilation, CompileError, compileProtos, formatProblem } from "../index.ts";

export const goldenDir = join(import.meta.dir, "golden");

/**
 * Compiles `sources` (file name → text, written to a fresh directory that is the only include);
 * `files` are the ones compiled (default: all).
 */
export async function compileSources(
  sources: Record<string, string>,
  files: string[] = Object.keys(sources),
): Promise<Compilation> {
  return inDirectory(sources, (dir) =>
    compileProtos({ files: files.map((f) => join(dir, f)), includeDirs: [dir] }),
  );
}

/** The problems compiling `sources` reports, formatted, with the directory left out. */
export async function problemsOf(
  sources: Record<string, string>,
  compiled: string[] = Object.keys(sources),
): Promise<string[]> {
  return inDirectory(sources, async (dir) => {
    const files = compiled.map((f) => join(dir, f));
    const error = await compileProtos({ files, includeDirs: [dir] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof CompileError)) throw new Error(`expected a CompileError: ${error}`);
    return error.problems.map((p) => formatProblem(p).replaceAll(`${dir}/`, ""));
  });
}

async function inDirectory<T>(
  sources: Record<string, string>,
  use: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "vimana-compiler-test-"));
  try {
    for (const [name, text] of Object.entries(sources)) await Bun.write(join(dir, name), text);
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
