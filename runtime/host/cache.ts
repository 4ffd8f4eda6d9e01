// The on-disk transpile cache: one directory per component digest holding jco's glue and the
// instrumented core modules, so a restart or a second pod of the same component does no work.
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { gluePatchesDigest } from "./glue-patches.ts";
import { INSTRUMENTATION_VERSION } from "./instrument.ts";
import { bindgenDigest, GLUE_NAME } from "./transpile.ts";

/** Output made by another generator, glue patches or instrumentation is stale. */
const RECIPE = `bindgen-${bindgenDigest.slice(0, 16)}-patches-${gluePatchesDigest.slice(0, 16)}-instrumentation-${INSTRUMENTATION_VERSION}`;
const MANIFEST = "manifest.json";

export interface CacheEntry {
  /** Path of the glue module, to `import()`. */
  gluePath: string;
  /** Interfaces (unversioned) and functions the glue reads from its imports object. */
  imports: string[];
  /** Export names as the glue spells them. */
  exports: string[];
  /** Instrumented core modules by file name. */
  coreModules: Map<string, Uint8Array>;
}

interface Manifest {
  recipe: string;
  imports: string[];
  exports: string[];
  coreModules: string[];
}

export async function readCacheEntry(
  cacheDir: string,
  digest: string,
): Promise<CacheEntry | undefined> {
  const dir = join(cacheDir, digest);
  const manifestFile = Bun.file(join(dir, MANIFEST));
  if (!(await manifestFile.exists())) return undefined;
  const manifest = (await manifestFile.json()) as Manifest;
  if (manifest.recipe !== RECIPE) return undefined;
  const coreModules = new Map<string, Uint8Array>();
  for (const name of manifest.coreModules) {
    coreModules.set(name, await Bun.file(join(dir, name)).bytes());
  }
  return {
    gluePath: join(dir, `${GLUE_NAME}.js`),
    imports: manifest.imports,
    exports: manifest.exports,
    coreModules,
  };
}

/**
 * Writes an entry into a fresh directory, then renames it into place: readers never see half an
 * entry, and of two hosts racing on the same digest, one rename wins and both results are equal.
 */
export async function writeCacheEntry(
  cacheDir: string,
  digest: string,
  entry: Omit<CacheEntry, "gluePath"> & { glue: string },
): Promise<CacheEntry> {
  const dir = join(cacheDir, digest);
  const partial = join(cacheDir, `.${digest}.${process.pid}.${crypto.randomUUID()}`);
  await mkdir(partial, { recursive: true });
  try {
    await Bun.write(join(partial, `${GLUE_NAME}.js`), entry.glue);
    for (const [name, bytes] of entry.coreModules) await Bun.write(join(partial, name), bytes);
    const manifest: Manifest = {
      recipe: RECIPE,
      imports: entry.imports,
      exports: entry.exports,
      coreModules: [...entry.coreModules.keys()],
    };
    await Bun.write(join(partial, MANIFEST), JSON.stringify(manifest, null, 2));
    // A stale entry (older recipe) is replaced.
    if (await isStale(dir)) await rm(dir, { recursive: true, force: true });
    await rename(partial, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return {
    gluePath: join(dir, `${GLUE_NAME}.js`),
    imports: entry.imports,
    exports: entry.exports,
    coreModules: entry.coreModules,
  };
}

async function isStale(dir: string): Promise<boolean> {
  const files = await readdir(dir).catch(() => undefined);
  if (!files) return false;
  const manifest = Bun.file(join(dir, MANIFEST));
  return !(await manifest.exists()) || ((await manifest.json()) as Manifest).recipe !== RECIPE;
}
