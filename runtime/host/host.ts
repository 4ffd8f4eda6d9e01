import { readFileSync } from "node:fs";
import { readCacheEntry, writeCacheEntry } from "./cache.ts";
import { type ComponentInterface, readComponentInterface } from "./component-binary.ts";
import { LoadError } from "./failures.ts";
import type { GlueInstantiate, PreparedComponent } from "./instance.ts";
import { capMemory, instrument } from "./instrument.ts";
import type { LogSink } from "./log.ts";
import { Pod, type PodLimits, type PodOptions } from "./pod.ts";
import { transpile } from "./transpile.ts";
import { refusal } from "./wasi/index.ts";

export interface HostOptions {
  /** Where transpiled and instrumented components are kept, one directory per digest. */
  cacheDir: string;
  /** Receives every line components write to stdout and stderr. */
  log: LogSink;
  /**
   * Default fuel per call: one unit per function entry and per loop iteration, at most
   * 2^31 - 1 (about two seconds of a tight loop).
   */
  fuelPerCall?: number;
  /** Default maximum linear memory per instance, in bytes (whole 64 KiB pages). */
  memoryBytes?: number;
  /** Idle instances a pod keeps for its next calls. */
  maxIdleInstances?: number;
}

export const defaultLimits = {
  /** About a second of a tight loop on current hardware: generous for one request. */
  fuelPerCall: 1_000_000_000,
  memoryBytes: 128 * 2 ** 20,
  maxIdleInstances: 1,
} as const;

export interface LoadOptions {
  /** How logs and failures name the component (default: its digest). */
  name?: string;
  /** Maximum linear memory per instance, overriding the host's default. */
  memoryBytes?: number;
}

/** Where a load found the component: the in-process cache, the disk cache, or nowhere. */
export type LoadOrigin = "memory" | "disk-cache" | "transpiled";

interface Ready {
  prepared: PreparedComponent;
  exportKeys: ReadonlyMap<string, string>;
  fallibleExports: ReadonlySet<string>;
}

/** Loads components and runs them in pods, each call within its fuel and memory limits. */
export class ComponentHost {
  readonly #options: HostOptions;
  readonly #limits: PodLimits & { memoryBytes: number };
  /** By digest and memory cap: the compiled modules embed the cap. */
  readonly #ready = new Map<string, Promise<Ready>>();

  constructor(options: HostOptions) {
    this.#options = options;
    this.#limits = {
      fuelPerCall: options.fuelPerCall ?? defaultLimits.fuelPerCall,
      memoryBytes: options.memoryBytes ?? defaultLimits.memoryBytes,
      maxIdleInstances: options.maxIdleInstances ?? defaultLimits.maxIdleInstances,
    };
  }

  /**
   * Prepares component bytes for pods: transpiles (or finds in the cache), instruments and
   * compiles. Throws a `LoadError` naming the component and what is wrong, such as an import the
   * sandbox does not provide.
   */
  async load(bytes: Uint8Array, options: LoadOptions = {}): Promise<Component> {
    const digest = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    const name = options.name ?? `sha256:${digest.slice(0, 12)}`;
    const memoryBytes = options.memoryBytes ?? this.#limits.memoryBytes;
    const key = `${digest}/${memoryBytes}`;
    const known = this.#ready.get(key);
    if (known) return this.#component(name, digest, "memory", memoryBytes, await known);
    const loading = this.#prepare(bytes, digest, name, memoryBytes);
    const ready = loading.then((loaded) => loaded.ready);
    this.#ready.set(key, ready);
    ready.catch(() => this.#ready.delete(key));
    const { origin } = await loading;
    return this.#component(name, digest, origin, memoryBytes, await ready);
  }

  #component(
    name: string,
    digest: string,
    origin: LoadOrigin,
    memoryBytes: number,
    ready: Ready,
  ): Component {
    return new Component(
      { name, digest, origin, memoryBytes, ...ready },
      this.#limits,
      this.#options.log,
    );
  }

  async #prepare(
    bytes: Uint8Array,
    digest: string,
    name: string,
    memoryBytes: number,
  ): Promise<{ ready: Ready; origin: LoadOrigin }> {
    const failure = (what: string, error: unknown) =>
      new LoadError(`component ${name}: ${what}: ${messageOf(error)}`, { cause: error });
    let binary: ComponentInterface;
    try {
      binary = readComponentInterface(bytes);
    } catch (error) {
      throw failure("cannot read it", error);
    }
    const { cacheDir } = this.#options;
    let origin: LoadOrigin = "disk-cache";
    let entry = await readCacheEntry(cacheDir, digest);
    if (entry) {
      checkImports(name, binary, entry.imports);
    } else {
      origin = "transpiled";
      const transpiled = await transpile(bytes).catch((error: unknown) => {
        throw failure("jco cannot transpile it", error);
      });
      checkImports(name, binary, transpiled.imports);
      const coreModules = new Map<string, Uint8Array>();
      for (const [file, module] of transpiled.coreModules) {
        try {
          coreModules.set(file, instrument(module));
        } catch (error) {
          throw failure(`cannot instrument core module ${file}`, error);
        }
      }
      entry = await writeCacheEntry(cacheDir, digest, { ...transpiled, coreModules });
    }
    const glue = (await import(entry.gluePath)) as { instantiate?: GlueInstantiate };
    if (typeof glue.instantiate !== "function") {
      throw new LoadError(`component ${name}: ${entry.gluePath} exports no instantiate function`);
    }
    const compiled = await Promise.all(
      [...entry.coreModules].map(async ([file, module]) => {
        try {
          return [file, await WebAssembly.compile(capMemory(module, memoryBytes))] as const;
        } catch (error) {
          throw failure(`core module ${file}`, error);
        }
      }),
    );
    return {
      ready: {
        prepared: { instantiate: glue.instantiate, coreModules: new Map(compiled) },
        exportKeys: exportKeys(name, binary, entry.exports),
        fallibleExports: fallibleExports(readFileSync(entry.gluePath, "utf8"), entry.exports),
      },
      origin,
    };
  }
}

interface ComponentParts extends Ready {
  name: string;
  digest: string;
  origin: LoadOrigin;
  memoryBytes: number;
}

/** A loaded component: pods run it. */
export class Component {
  readonly name: string;
  /** sha256 of the component bytes, hex. */
  readonly digest: string;
  readonly origin: LoadOrigin;
  /** Maximum linear memory per instance, in bytes. */
  readonly memoryBytes: number;
  /** Top-level function exports by WIT name, e.g. `add-floats`: what `Pod.call` accepts. */
  readonly exports: readonly string[];
  readonly #parts: ComponentParts;
  readonly #limits: PodLimits;
  readonly #log: LogSink;

  constructor(parts: ComponentParts, limits: PodLimits, log: LogSink) {
    this.name = parts.name;
    this.digest = parts.digest;
    this.origin = parts.origin;
    this.memoryBytes = parts.memoryBytes;
    this.exports = [...parts.exportKeys.keys()];
    this.#parts = parts;
    this.#limits = limits;
    this.#log = log;
  }

  /** A pod with its own instances and environment; throws a `LoadError` if it cannot start. */
  createPod(options: PodOptions): Pod {
    return new Pod(this.#parts, options, this.#limits, this.#log);
  }
}

/** Refuses a component whose glue needs an import the sandbox does not provide. */
function checkImports(name: string, binary: ComponentInterface, needed: readonly string[]): void {
  const refused: string[] = [];
  for (const base of needed) {
    const versioned = binary.imports.map((i) => i.name).filter((n) => unversioned(n) === base);
    for (const importName of versioned.length > 0 ? versioned : [base]) {
      const why = refusal(importName);
      if (why) refused.push(`${importName} (${why})`);
    }
  }
  if (refused.length > 0) {
    throw new LoadError(`Linking error: component ${name} imports ${refused.join(", ")}`);
  }
}

function unversioned(name: string): string {
  const at = name.lastIndexOf("@");
  return at < 0 ? name : name.slice(0, at);
}

/** Maps each top-level function export's WIT name to the name jco's glue gives it. */
function exportKeys(
  name: string,
  binary: ComponentInterface,
  glueExports: readonly string[],
): Map<string, string> {
  const keys = new Map<string, string>();
  for (const { name: witName, kind } of binary.exports) {
    if (kind !== "func") continue;
    const key = lowerCamelCase(witName);
    if (!glueExports.includes(key)) {
      throw new LoadError(`component ${name}: jco's glue has no ${key} for export ${witName}`);
    }
    keys.set(witName, key);
  }
  return keys;
}

/**
 * The glue's export functions that return `result<…>` (typed errors), which the canonical-ABI
 * fast path does not cover. jco's glue (the pinned version) opens each export function with a
 * task whose `errHandling` is 'throw-result-err' for exactly those; a glue without the marker
 * leaves every export on jco's path.
 */
function fallibleExports(glue: string, glueExports: readonly string[]): Set<string> {
  const fallible = new Set<string>();
  for (const key of glueExports) {
    const start = glue.indexOf(`function ${key}(`);
    const marker =
      start < 0 ? null : /errHandling: '([a-z-]+)'/.exec(glue.slice(start, start + 2000));
    if (marker?.[1] !== "none") fallible.add(key);
  }
  return fallible;
}

/** jco's export naming: `add-floats` → `addFloats`. */
function lowerCamelCase(kebab: string): string {
  return kebab
    .split("-")
    .map((part, i) =>
      i === 0 ? part.toLowerCase() : part.charAt(0).toUpperCase() + part.slice(1).toLowerCase(),
    )
    .join("");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
