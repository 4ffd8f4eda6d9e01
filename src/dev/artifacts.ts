// What a Component needs to run: its component bytes (built from source, or a built `.wasm`) and
// the Metadata compiled from its `.proto`. A source without `wit` implements the world compiled
// from its `.proto` with typed errors, written to `build/<component>/` beside the project file
// (the WIT to implement, `deps/`, the Metadata), as `vimana build` writes it. Compilations are
// kept per `.proto` content, so an edit to a source file rebuilds the component alone.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { generateCBindings } from "../build/index.ts";
import { type Compilation, compileProtos, writeCompilation } from "../compiler/index.ts";
import type { Metadata } from "../metadata/index.ts";
import { OffThreadBuilder } from "./off-thread.ts";
import type { ComponentSpec } from "./project.ts";

export interface Artifacts {
  bytes: Uint8Array;
  metadata: Metadata;
}

/** Every file whose content the component's artifacts depend on: what to watch. */
export function inputsOf(spec: ComponentSpec): string[] {
  return [
    spec.image,
    ...spec.sources,
    ...spec.headers,
    spec.proto,
    ...protoImports(spec.proto),
    ...(spec.wit ? [spec.wit] : []),
  ];
}

/**
 * The files `proto` imports, directly or not, that exist beside it (the include directory dev
 * compiles with); well-known types buf provides are not files here and are skipped.
 */
export function protoImports(proto: string, seen = new Set<string>()): string[] {
  let text: string;
  try {
    text = readFileSync(proto, "utf8");
  } catch {
    return [];
  }
  for (const [, name] of text.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)) {
    const path = resolve(dirname(proto), name as string);
    if (seen.has(path) || !existsSync(path)) continue;
    seen.add(path);
    protoImports(path, seen);
  }
  return [...seen];
}

/** Where a project's generated files go: `build/<component name>/`. */
export function generatedDir(projectFile: string, spec: ComponentSpec): string {
  return join(dirname(projectFile), "build", spec.name);
}

export class ArtifactBuilder {
  readonly #compiled = new Map<string, { digest: string; compilation: Promise<Compilation> }>();
  readonly #projectFile: string;
  readonly #worker = new OffThreadBuilder();

  readonly #progress: (line: string) => void;

  /** `progress` gets lines about one-time work, such as installing wit-bindgen. */
  constructor(projectFile: string, progress: (line: string) => void = () => {}) {
    this.#projectFile = projectFile;
    this.#progress = progress;
  }

  /** Stops the build thread; builds still running fail. */
  close(): void {
    this.#worker.close();
  }

  /** Builds; throws with the failing file and line (the build's and compiler's own errors). */
  async build(spec: ComponentSpec): Promise<Artifacts> {
    const compilation = await this.#compile(spec.proto);
    const bytes = await this.#component(spec, compilation);
    return { bytes, metadata: compilation.metadata };
  }

  async #component(spec: ComponentSpec, compilation: Compilation): Promise<Uint8Array> {
    if (spec.language === undefined) return Bun.file(spec.image).bytes();
    let witPath = spec.wit;
    let world = spec.world;
    const sources = [spec.image, ...spec.sources];
    const headers = [...spec.headers];
    if (witPath === undefined) {
      const dir = generatedDir(this.#projectFile, spec);
      await writeIfChanged(dir, compilation);
      witPath = join(dir, compilation.witFileName);
      world = worldName(compilation.wit);
      if (spec.language === "c") {
        // The glue follows the world: generated beside it, compiled with the sources.
        const glue = await generateCBindings(dir, world, join(dir, "bindings"), this.#progress);
        sources.push(glue.source, glue.object);
        headers.push(glue.header);
      }
    }
    return this.#worker.build({
      language: spec.language,
      sources,
      headers,
      witPath,
      world: world as string,
    });
  }

  async #compile(proto: string): Promise<Compilation> {
    const hash = new Bun.CryptoHasher("sha256");
    for (const file of [proto, ...protoImports(proto)]) hash.update(await Bun.file(file).bytes());
    const digest = hash.digest("hex");
    const cached = this.#compiled.get(proto);
    if (cached?.digest === digest) return cached.compilation;
    const compilation = compileProtos(
      { files: [proto], includeDirs: [dirname(proto)] },
      { typedErrors: true },
    );
    this.#compiled.set(proto, { digest, compilation });
    // A failed compilation is not kept: the next attempt compiles again.
    compilation.catch(() => {
      if (this.#compiled.get(proto)?.compilation === compilation) this.#compiled.delete(proto);
    });
    return compilation;
  }
}

/** The world a compiled WIT declares. */
export function worldName(wit: string): string {
  const match = /^world\s+%?([a-z0-9-]+)/m.exec(wit);
  if (!match) throw new Error("the compiled WIT declares no world");
  return match[1] as string;
}

/** Writes the compilation unless the WIT there is already the same (its watchers stay quiet). */
async function writeIfChanged(dir: string, compilation: Compilation): Promise<void> {
  const wit = Bun.file(join(dir, compilation.witFileName));
  if ((await wit.exists()) && (await wit.text()) === compilation.wit) return;
  await writeCompilation(compilation, dir);
}
