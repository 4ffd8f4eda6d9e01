import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { witWithPlatformPackages } from "../wit/index.ts";
import { messageOf, type WorldRef } from "./component.ts";

/**
 * Builds a component from one JavaScript module with componentize-js (SpiderMonkey inside the
 * component: ~12 MB, seconds to build). The WIT goes inline (`witWorld`): componentize-js reads
 * `witPath` through preview2-shim, which has no preopens. HTTP support is left out because vimanad
 * provides no network: a component importing `wasi:http` would not load.
 *
 * The module is built behind a wrapper (see `wrapperSource`) so that an exception the user's code
 * throws reaches the pod's log with the user's own message and frames first.
 */
export async function buildJsComponent(sourcePath: string, target: WorldRef): Promise<Uint8Array> {
  // Loaded on demand: it pulls in a native parser, wizer and weval, which WAT and C builds skip.
  const { componentize } = await import("@bytecodealliance/componentize-js");
  const wit = await Bun.file(target.witPath).text();
  const dir = await mkdtemp(join(tmpdir(), "vimana-js-"));
  try {
    const userFile = basename(sourcePath);
    await copyFile(sourcePath, join(dir, userFile));
    const wrapper = join(dir, "vimana-entry.js");
    await Bun.write(wrapper, wrapperSource(userFile, sourcePath, worldExports(wit, target.world)));
    // `witWorld` is read by componentize() but missing from its published options type.
    const options = {
      sourcePath: wrapper,
      witWorld: witWithPlatformPackages(wit),
      worldName: target.world,
      disableFeatures: ["http" as const, "fetch-event" as const],
    };
    const { component } = await componentize(options).catch((error: unknown) => {
      throw new Error(describeJsError(sourcePath, userFile, target.world, messageOf(error)));
    });
    return component;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * SpiderMonkey reports a syntax or top-level error against the copy's name (`file.js:L:C
 * SyntaxError: …`): say it against the source, `path:L:C: SyntaxError: …`.
 */
function describeJsError(sourcePath: string, userFile: string, world: string, raw: string): string {
  const at = new RegExp(`^${escapeRegExp(userFile)}:(\\d+):(\\d+) (\\w*Error: .*)$`, "m").exec(raw);
  if (at) return `${sourcePath}:${at[1]}:${at[2]}: ${(at[3] as string).replace(/:$/, "")}`;
  return `${sourcePath}: world ${world}: ${raw}`;
}

/** The function exports of `world` in `wit`, as componentize-js names them (camelCase). */
export function worldExports(wit: string, world: string): string[] {
  // The world's body runs to the first line that closes a block at the left margin.
  const block =
    new RegExp(`world\\s+%?${world}\\s*\\{([\\s\\S]*?)\\n\\s{0,2}\\}`).exec(wit)?.[1] ?? "";
  return [...block.matchAll(/^\s*export\s+%?([a-z0-9-]+)\s*:\s*func/gm)].map(([, name]) =>
    (name as string).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
  );
}

/**
 * An entry module that re-exports the user's module, each world export wrapped: a thrown
 * `{ code, message }` is a typed error and passes through; anything else is written to stderr
 * (the pod's log) as `Uncaught …` with the user's frames (the glue's dropped, paths the source's
 * own), and rethrown, so the call still fails as INTERNAL.
 */
function wrapperSource(userFile: string, sourcePath: string, exports: string[]): string {
  const user = JSON.stringify(`./${userFile}`);
  const wrapped = exports.map(
    (name) =>
      `export function ${name}(...args) {\n  try {\n    return user.${name}(...args);\n  } catch (error) {\n    report(error);\n    throw error;\n  }\n}`,
  );
  return [
    `import * as user from ${user};`,
    `export * from ${user};`,
    `const SOURCE = ${JSON.stringify(sourcePath)};`,
    "function report(error) {",
    '  if (error !== null && typeof error === "object" && !(error instanceof Error) && "code" in error) return;',
    '  const stack = (error && error.stack ? String(error.stack) : "").split("\\n")',
    '    .filter((line) => line !== "" && !/vimana-entry\\.js|initializer\\.js/.test(line))',
    `    .map((line) => "  at " + line.replace(/@(?:.*\\/)?${escapeRegExp(userFile)}:/, "@" + SOURCE + ":"));`,
    '  console.error(["Uncaught " + String(error), ...stack].join("\\n"));',
    "}",
    ...wrapped,
    "",
  ].join("\n");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
