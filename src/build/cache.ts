import { rename } from "node:fs/promises";
import { platformWitPackages } from "../wit/index.ts";
import { cToolchainVersion } from "./c.ts";
import { buildComponent, type ComponentSource, inputFiles } from "./source.ts";

/** Bump when the build recipe changes, so outputs built the old way are rebuilt. */
const RECIPE = "vimana-build-2";

/**
 * Builds `spec` into `outPath` unless the inputs recorded beside it (`<out>.inputs`) match:
 * outputs are rebuilt only when a source, header, WIT file, the recipe or the C compiler changed.
 */
export async function buildComponentCached(
  spec: ComponentSource,
  outPath: string,
): Promise<{ rebuilt: boolean }> {
  const digest = await inputsDigest(spec);
  const stamp = Bun.file(`${outPath}.inputs`);
  if ((await stamp.exists()) && (await Bun.file(outPath).exists())) {
    if ((await stamp.text()) === digest) return { rebuilt: false };
  }
  const bytes = await buildComponent(spec);
  // Write then rename, so an interrupted build never leaves a truncated component behind.
  await Bun.write(`${outPath}.partial`, bytes);
  await rename(`${outPath}.partial`, outPath);
  await Bun.write(stamp, digest);
  return { rebuilt: true };
}

async function inputsDigest(spec: ComponentSource): Promise<string> {
  const hash = new Bun.CryptoHasher("sha256");
  hash.update(`${RECIPE}\0${spec.language}\0${spec.world}\0`);
  for (const path of inputFiles(spec)) {
    hash.update(`${path}\0`);
    hash.update(await Bun.file(path).bytes());
  }
  for (const wit of platformWitPackages) hash.update(wit);
  if (spec.language === "c") hash.update(await cToolchainVersion());
  return hash.digest("hex");
}
