// Writes a compilation where WIT tools look for it: `<package>.wit` with the platform packages
// it uses in `deps/` (wit-bindgen, wasm-tools and cargo-component resolve a directory that way),
// and the binary Metadata as `metadata.binpb`.
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { encodeMetadata } from "../metadata/index.ts";
import { platformWitPackages } from "../wit/index.ts";
import type { Compilation } from "./compile.ts";

export const METADATA_FILE = "metadata.binpb";

/** Writes the compilation's files into `outDir` (created if missing); returns their paths. */
export async function writeCompilation(
  compilation: Compilation,
  outDir: string,
): Promise<string[]> {
  const files: [string, string | Uint8Array][] = [
    [join(outDir, compilation.witFileName), compilation.wit],
    ...platformWitPackages.map((wit): [string, string] => [
      join(outDir, "deps", `${platformPackageName(wit)}.wit`),
      wit,
    ]),
    [join(outDir, METADATA_FILE), encodeMetadata(compilation.metadata)],
  ];
  await mkdir(join(outDir, "deps"), { recursive: true });
  for (const [path, content] of files) {
    // Write then rename: a reader never sees half a file.
    await Bun.write(`${path}.partial`, content);
    await rename(`${path}.partial`, path);
  }
  return files.map(([path]) => path);
}

/** `vimana:grpc@1.0.0` → `vimana-grpc`. */
function platformPackageName(wit: string): string {
  const match = /^package\s+([a-z0-9-]+):([a-z0-9-]+)/m.exec(wit);
  if (!match) throw new Error("platform WIT has no `package` header");
  return `${match[1]}-${match[2]}`;
}
