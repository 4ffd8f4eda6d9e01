// Transpiles components with jco's bindings generator — itself a component, shipped by
// @bytecodealliance/jco-transpile as glue JS plus two core modules — run inside this host's own
// sandbox rather than through the package's entry point. Two reasons:
// - `bun build --compile`: the package reads its core modules from paths beside its JS
//   (`/$bunfs/root/…core.wasm`, absent in an executable) and imports preview2-shim, whose worker
//   thread script is absent too. Here the JS is embedded as text and the modules as files.
// - safety: component bytes come from images anyone may push; the generator parses them with the
//   sandbox's WASI (no preopens, no environment) instead of preview2-shim's real filesystem.
// The vendor file is adapted textually; every expected pattern is checked, so a jco-transpile
// upgrade that changes its shape fails here loudly.

// @ts-expect-error: TypeScript types this path as the vendor module; Bun imports it as text.
import bindgenSourceText from "@bytecodealliance/jco-transpile/component" with { type: "text" };
import type { GenerateOptions, Transpiled } from "@bytecodealliance/jco-transpile/component";
// The core modules by path: the package's exports map does not list them.
import bindgenCore from "../../node_modules/@bytecodealliance/jco-transpile/vendor/js-component-bindgen-component.core.wasm" with {
  type: "file",
};
import bindgenCore2 from "../../node_modules/@bytecodealliance/jco-transpile/vendor/js-component-bindgen-component.core2.wasm" with {
  type: "file",
};
import { patchGlue } from "./glue-patches.ts";
import { LineWriter } from "./log.ts";
import { wasiImports } from "./wasi/index.ts";

/** The generator's glue: an ES module that instantiates it with preview2-shim's WASI. */
export const bindgenSource: string = bindgenSourceText;

const bindgenAssets: Record<string, string> = {
  "js-component-bindgen-component.core.wasm": bindgenCore,
  "js-component-bindgen-component.core2.wasm": bindgenCore2,
};

/** The file names the glue is generated with: `component.js`, `component.core.wasm`, … */
export const GLUE_NAME = "component";

/** Identifies the generator, so cached output from another version is not reused. */
export const bindgenDigest: string = new Bun.CryptoHasher("sha256")
  .update(bindgenSource)
  .digest("hex");

export interface TranspiledComponent {
  /** The glue module's source; it exports `instantiate(getCoreModule, imports, instantiateCore)`. */
  glue: string;
  /** Core modules by the file name the glue asks for. */
  coreModules: Map<string, Uint8Array>;
  /** Interfaces (unversioned) and functions the glue reads from its imports object. */
  imports: string[];
  /** Export names as the glue spells them, e.g. `addFloats`. */
  exports: string[];
}

type Generate = (component: Uint8Array, options: GenerateOptions) => Transpiled;

interface Bindgen {
  generate: Generate;
  /** What the generator wrote to stderr, e.g. a Rust panic message. */
  stderr: string[];
}

let bindgen: Promise<Bindgen> | undefined;

export interface TranspileOptions {
  /** Apply glue-patches.ts to the glue (default); off only to measure or test the patches. */
  patchGlue?: boolean;
}

/** Generates jco's `instantiation: "async"` glue: the host supplies imports and core modules. */
export async function transpile(
  component: Uint8Array,
  options: TranspileOptions = {},
): Promise<TranspiledComponent> {
  bindgen ??= startBindgen();
  const { generate, stderr } = await bindgen;
  stderr.length = 0;
  let result: Transpiled;
  try {
    result = generate(component, {
      name: GLUE_NAME,
      instantiation: { tag: "async" },
      map: [],
      noTypescript: true,
      // Every core module is a file, so each goes through the host's instrumentation.
      base64Cutoff: 0,
      noComponentErrorWrapping: true,
    });
  } catch (error) {
    // A trap leaves the generator's instance unusable: start a fresh one next time.
    if (error instanceof WebAssembly.RuntimeError) bindgen = undefined;
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(stderr.length > 0 ? `${detail}\n${stderr.join("\n")}` : detail, {
      cause: error,
    });
  }
  const decoder = new TextDecoder();
  const coreModules = new Map<string, Uint8Array>();
  let glue: string | undefined;
  for (const [name, content] of result.files) {
    if (name === `${GLUE_NAME}.js`) glue = decoder.decode(content);
    else if (name.endsWith(".wasm")) coreModules.set(name, content);
  }
  if (glue === undefined) throw new Error(`jco generated no ${GLUE_NAME}.js`);
  if (options.patchGlue ?? true) glue = patchGlue(glue).glue;
  return { glue, coreModules, imports: result.imports, exports: result.exports.map(([n]) => n) };
}

async function startBindgen(): Promise<Bindgen> {
  const stderr: string[] = [];
  const wasi = wasiImports({
    env: [],
    stdout: new LineWriter((line) => stderr.push(line)),
    stderr: new LineWriter((line) => stderr.push(line)),
  });
  // The vendor module imports preview2-shim's interface groups by camelCase name.
  const shim: Record<string, Record<string, unknown>> = {};
  for (const [name, implementation] of Object.entries(wasi)) {
    const [, group, iface] = /^wasi:([a-z]+)\/([a-z-]+)$/.exec(name) ?? [];
    if (!group || !iface) continue;
    shim[group] ??= {};
    shim[group][iface.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = implementation;
  }
  const body = asFunctionBody(bindgenSource);
  const evaluate = new Function("vimanaWasi", "vimanaAssets", body) as (
    wasi: Record<string, Record<string, unknown>>,
    assets: Record<string, string>,
  ) => { $init: Promise<void>; generate: Generate };
  const module = evaluate(shim, bindgenAssets);
  await module.$init;
  return { generate: module.generate, stderr };
}

/** Rewrites the vendor ES module into a function body: imports become parameters. */
export function asFunctionBody(source: string): string {
  let body = source;
  const replace = (
    pattern: RegExp,
    replacement: (...groups: string[]) => string,
    count: number,
  ) => {
    let seen = 0;
    body = body.replace(pattern, (...match: string[]) => {
      seen++;
      return replacement(...match);
    });
    if (seen !== count) {
      throw new Error(
        `jco-transpile's bindings generator changed shape: expected ${count} × ${pattern}, found ${seen}`,
      );
    }
  };
  replace(
    /^import \{([^}]*)\} from '@bytecodealliance\/preview2-shim\/(\w+)';$/gm,
    (_, names = "", group = "") => `const {${names.replace(/ as /g, ": ")}} = vimanaWasi.${group};`,
    4,
  );
  replace(
    /new URL\('\.\/([\w.-]+\.wasm)', import\.meta\.url\)/g,
    (_, file = "") => `vimanaAssets[${JSON.stringify(file)}]`,
    Object.keys(bindgenAssets).length,
  );
  replace(/^export \{[^}]*\}$/gm, () => "", 1);
  replace(/^export const /gm, () => "const ", 2);
  const leftover = /^(?:import|export)\b|import\.meta/m.exec(body);
  if (leftover) {
    throw new Error(`jco-transpile's bindings generator changed shape: "${leftover[0]}" remains`);
  }
  return `${body}\nreturn { $init, generate };`;
}
