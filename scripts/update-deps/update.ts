// Finds the newest allowed version of every pin, writes them all, then runs the install; if
// anything fails every file is put back as it was (and node_modules with it), so a checkout is
// never left half-updated.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Pin } from "./pins.ts";
import { newestAllowed } from "./policy.ts";
import {
  crateVersions,
  goAtLeast,
  goModRequires,
  goVersions,
  npmVersions,
  type Registries,
} from "./registries.ts";

export interface Change {
  readonly pin: Pin;
  readonly next: string;
}

export interface Plan {
  readonly changes: readonly Change[];
  /** Pins whose versions could not be listed, with why. */
  readonly unchecked: readonly string[];
}

export async function plan(pins: readonly Pin[], registries: Registries): Promise<Plan> {
  const lists = { npm: npmVersions, go: goVersions, crate: crateVersions };
  const results = await Promise.all(
    pins.map(async (pin) => {
      try {
        const available = await lists[pin.registry](registries, pin.id);
        let next = newestAllowed(pin.current, available, pin.policy);
        // A Go module whose go.mod asks for a newer Go than this machine's could not be built.
        while (
          next !== undefined &&
          pin.registry === "go" &&
          registries.goToolchain !== undefined
        ) {
          const requires = await goModRequires(registries, pin.id, next);
          if (requires === undefined || goAtLeast(registries.goToolchain, requires)) break;
          available.splice(available.indexOf(next), 1);
          next = newestAllowed(pin.current, available, pin.policy);
        }
        return { pin, next };
      } catch (error) {
        return { pin, error: `${pin.name} (${pin.file}): ${(error as Error).message}` };
      }
    }),
  );
  return {
    changes: results.flatMap((r) =>
      "next" in r && r.next !== undefined ? [{ pin: r.pin, next: r.next }] : [],
    ),
    unchecked: results.flatMap((r) => ("error" in r ? [r.error as string] : [])),
  };
}

export interface ApplyOptions {
  readonly root: string;
  /** Rewrites bun.lock and node_modules after package.json changed. */
  readonly install: readonly string[];
  /** Puts node_modules back as bun.lock says, after a failure. */
  readonly restore: readonly string[];
  readonly log: (line: string) => void;
}

async function run(argv: readonly string[], cwd: string): Promise<void> {
  const child = Bun.spawn([...argv], { cwd, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}:\n${(err || out).trim()}`);
}

/** Writes every change and installs; on a failure restores each file and node_modules. */
export async function apply(changes: readonly Change[], options: ApplyOptions): Promise<void> {
  const files = [...new Set(changes.map((c) => c.pin.file))];
  const npmChanged = files.includes("package.json");
  const touched = npmChanged ? [...files, "bun.lock"] : files;
  const originals = new Map<string, string>();
  for (const file of touched) originals.set(file, await readFile(join(options.root, file), "utf8"));
  // Every new text is computed before anything is written: a broken pin fails with no change.
  const texts = new Map<string, string>();
  for (const change of changes) {
    const file = change.pin.file;
    texts.set(
      file,
      change.pin.rewrite(texts.get(file) ?? (originals.get(file) as string), change.next),
    );
  }
  try {
    for (const [file, text] of texts) await writeFile(join(options.root, file), text);
    if (npmChanged) {
      options.log(`running ${options.install.join(" ")}`);
      await run(options.install, options.root);
    }
  } catch (error) {
    for (const [file, text] of originals) await writeFile(join(options.root, file), text);
    let restored = "";
    if (npmChanged) {
      try {
        await run(options.restore, options.root);
      } catch (restoreError) {
        restored = `\nputting node_modules back failed too: ${(restoreError as Error).message}`;
      }
    }
    throw new Error(
      `${(error as Error).message}\nnothing was updated: ${touched.join(", ")} restored${restored}`,
    );
  }
}
