// The committed CRD YAML under src/operator/config/crd/, written from src/operator/api.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crdFileName, crdYaml, kinds } from "./api/index.ts";

export const CRD_DIRECTORY = join(import.meta.dir, "config", "crd");

/** Every CRD file with the text it must have. */
export function expectedCrdFiles(): { path: string; text: string }[] {
  return kinds.map((kind) => ({
    path: join(CRD_DIRECTORY, crdFileName(kind)),
    text: crdYaml(kind),
  }));
}

// A compiled executable has its sources in Bun's virtual file system, not on disk.
function requireCheckout(): void {
  if (CRD_DIRECTORY.startsWith("/$bunfs")) {
    throw new Error("crds works in a checkout: run `bun run operator crds` there");
  }
}

/** Writes the files; returns the paths that changed. */
export async function writeCrdFiles(): Promise<string[]> {
  requireCheckout();
  await mkdir(CRD_DIRECTORY, { recursive: true });
  const changed: string[] = [];
  for (const { path, text } of expectedCrdFiles()) {
    const current = await readFile(path, "utf8").catch(() => undefined);
    if (current === text) continue;
    await writeFile(path, text);
    changed.push(path);
  }
  return changed;
}

/** The paths whose committed text differs from what the definitions produce. */
export async function staleCrdFiles(): Promise<string[]> {
  requireCheckout();
  const stale: string[] = [];
  for (const { path, text } of expectedCrdFiles()) {
    if ((await readFile(path, "utf8").catch(() => undefined)) !== text) stale.push(path);
  }
  return stale;
}
