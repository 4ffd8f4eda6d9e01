// The local builds restart and hotswap install: dist/vimanad and dist/vimana-operator, compiled
// together by scripts/build.ts with one build id.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Steps } from "./steps.ts";

export const ROOT = join(import.meta.dir, "..");

/** What --dry-run shows where the id of a build not made would go. */
export const DRY_RUN_BUILD_ID = "BUILD-ID";

export interface Builds {
  readonly vimanad: string;
  readonly operator: string;
  /** As `vimanad --version` reports it after the `+`; the operator image's tag. */
  readonly buildId: string;
}

/** The build id stamped into a compiled vimanad. */
export function vimanadBuildId(executable: string): string {
  const version = Bun.spawnSync([executable, "--version"]);
  const match = /^vimanad \S+?\+(\S+)$/m.exec(`${version.stdout}`);
  if (version.exitCode !== 0 || match?.[1] === undefined) {
    throw new Error(`${executable} --version gave no build id: ${version.stdout}${version.stderr}`);
  }
  return match[1];
}

/** `bun run build` (unless `rebuild` is false: then dist/ as it is). */
export async function buildExecutables(steps: Steps, rebuild: boolean): Promise<Builds> {
  const vimanad = join(ROOT, "dist", "vimanad");
  const operator = join(ROOT, "dist", "vimana-operator");
  return steps.step(
    rebuild ? "build vimanad and the operator" : "use dist/ as built",
    [],
    async () => {
      if (rebuild)
        await steps.run([process.execPath, join(ROOT, "scripts", "build.ts")], { cwd: ROOT });
      if (steps.dryRun) return { vimanad, operator, buildId: DRY_RUN_BUILD_ID };
      for (const file of [vimanad, operator]) {
        if (!existsSync(file)) steps.fail(`${file} does not exist: run \`bun run build\``);
      }
      const buildId = vimanadBuildId(vimanad);
      steps.say(`build ${buildId}`);
      return { vimanad, operator, buildId };
    },
  );
}

/** Whether the registry (plain HTTP) has a manifest for `reference` (`host/repository:tag`). */
async function registryHas(reference: string): Promise<boolean> {
  const slash = reference.indexOf("/");
  const colon = reference.lastIndexOf(":");
  const url = `http://${reference.slice(0, slash)}/v2/${reference.slice(slash + 1, colon)}/manifests/${reference.slice(colon + 1)}`;
  try {
    const response = await fetch(url, {
      method: "HEAD",
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
      signal: AbortSignal.timeout(5000),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * `bun run operator image --push REF --insecure`: the operator image from `builds`. The tag is
 * the build id, so an image already under it is this build's: it is not built and pushed again.
 */
export async function pushOperatorImage(steps: Steps, builds: Builds, reference: string) {
  if (!steps.dryRun && (await registryHas(reference))) {
    steps.say(`  ${reference} is in the registry already`);
    return;
  }
  await steps.run([
    process.execPath,
    join(ROOT, "src", "operator", "main.ts"),
    "image",
    "--push",
    reference,
    "--insecure",
    "--executable",
    builds.operator,
  ]);
}

/** `bun run operator manifests --image REF`: the install manifests as YAML. */
export async function operatorManifestsYaml(steps: Steps, image: string): Promise<string> {
  const printed = await steps.run([
    process.execPath,
    join(ROOT, "src", "operator", "main.ts"),
    "manifests",
    "--image",
    image,
  ]);
  return printed.stdout;
}
