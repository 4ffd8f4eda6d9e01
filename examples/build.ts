import { mkdir, rename } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import {
  buildComponentCached,
  type ComponentSource,
  cToolchain,
  inputFiles,
  installCommand,
  missing,
} from "../src/build/index.ts";
import { encodeMetadata } from "../src/metadata/index.ts";
import {
  builtPath,
  type ExampleComponent,
  exampleComponents,
  examplesOutDir,
  metadataPath,
} from "./index.ts";

export type ExampleBuildResult =
  | { example: ExampleComponent; outcome: "built" | "up-to-date"; ms: number }
  | { example: ExampleComponent; outcome: "skipped"; reason: string }
  | { example: ExampleComponent; outcome: "failed"; error: Error };

export interface BuildExamplesOptions {
  /** Build only these names (default: all). */
  only?: readonly string[];
  /** Called as each example finishes, for progress output. */
  onResult?: (result: ExampleBuildResult) => void;
}

/**
 * Builds every example whose sources changed, and writes its Metadata beside it. C examples are
 * skipped, with the install command as the reason, when the C toolchain is missing: WAT
 * examples need nothing but jco.
 */
export async function buildExamples(
  options: BuildExamplesOptions = {},
): Promise<ExampleBuildResult[]> {
  const selected = exampleComponents.filter((e) => !options.only || options.only.includes(e.name));
  const unknown = options.only?.filter((name) => !exampleComponents.some((e) => e.name === name));
  if (unknown?.length) {
    throw new Error(
      `unknown example ${unknown.join(", ")}; known: ${exampleComponents.map((e) => e.name).join(", ")}`,
    );
  }
  await mkdir(examplesOutDir, { recursive: true });
  const absentC = missing(cToolchain);
  const results: ExampleBuildResult[] = [];
  for (const example of selected) {
    const result = await buildOne(example, absentC.length ? installCommand(absentC) : undefined);
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

async function buildOne(
  example: ExampleComponent,
  cInstall: string | undefined,
): Promise<ExampleBuildResult> {
  if (example.language === "c" && cInstall) {
    return { example, outcome: "skipped", reason: `needs the C toolchain: ${cInstall}` };
  }
  const start = performance.now();
  try {
    const { rebuilt } = await buildComponentCached(await snapshot(example), builtPath(example));
    await Bun.write(metadataPath(example), encodeMetadata(example.metadata));
    const ms = Math.round(performance.now() - start);
    return { example, outcome: rebuilt ? "built" : "up-to-date", ms };
  } catch (error) {
    return {
      example,
      outcome: "failed",
      error: error instanceof Error ? error : new Error(String(error)),
    };
  }
}

/**
 * The example's inputs copied to `build/examples/sources/<name>/` (same relative paths, so the
 * build cache still recognises them), and the spec pointing there: the build reads the copy, so
 * editing `examples/` while tests build breaks nothing. Each file is read once, written whole.
 */
async function snapshot(example: ExampleComponent): Promise<ComponentSource> {
  const root = join(examplesOutDir, "sources", example.name);
  const copy = (path: string) => join(root, relative(import.meta.dir, path));
  for (const path of inputFiles(example)) {
    const target = copy(path);
    await mkdir(dirname(target), { recursive: true });
    await Bun.write(`${target}.partial`, await Bun.file(path).bytes());
    await rename(`${target}.partial`, target);
  }
  return {
    language: example.language,
    sources: example.sources.map(copy),
    ...(example.headers && { headers: example.headers.map(copy) }),
    witPath: copy(example.witPath),
    world: example.world,
  };
}

/** One line per result, for people. */
export function describeResult(result: ExampleBuildResult): string {
  const out = relative(process.cwd(), builtPath(result.example));
  switch (result.outcome) {
    case "built":
      return `built       ${result.example.name} → ${out} (${result.ms} ms)`;
    case "up-to-date":
      return `up to date  ${result.example.name} → ${out}`;
    case "skipped":
      return `skipped     ${result.example.name}: ${result.reason}`;
    case "failed":
      return `FAILED      ${result.example.name}: ${result.error.message}`;
  }
}
