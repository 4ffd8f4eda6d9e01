import type { CoreExports } from "./canonical/index.ts";
import { limitsImport } from "./instrument.ts";
import { LineWriter, type LogLine } from "./log.ts";
import { wasiImports } from "./wasi/index.ts";

/** jco's `instantiation: "async"` entry point; synchronous when its callbacks are. */
export type GlueInstantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (
    module: WebAssembly.Module,
    imports?: Bun.WebAssembly.Imports,
  ) => WebAssembly.Instance,
) => unknown;

/** What every instance of one component shares: the glue and the compiled core modules. */
export interface PreparedComponent {
  instantiate: GlueInstantiate;
  coreModules: ReadonlyMap<string, WebAssembly.Module>;
}

export interface InstanceOptions {
  env: readonly (readonly [string, string])[];
  onLine: (stream: LogLine["stream"], line: string, partial: boolean) => void;
  /** Fuel for initialization (start functions, `_initialize`), like a call's budget. */
  fuel: number;
}

/** One instantiation of a component, with the limit globals all its core modules import. */
export class ComponentInstance {
  readonly fuel = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
  readonly growFailed = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
  readonly #stdout: LineWriter;
  readonly #stderr: LineWriter;
  #exports: Record<string, unknown> = {};
  /** The linear memories its core instances export (one per component, usually). */
  #memories: WebAssembly.Memory[] = [];
  /** Every core instance's exports, for the canonical-ABI fast path. */
  #coreExports: Record<string, unknown>[] = [];
  readonly #coreByName = new Map<string, CoreExports | undefined>();

  constructor(options: InstanceOptions) {
    this.#stdout = new LineWriter((line, partial) => options.onLine("stdout", line, partial));
    this.#stderr = new LineWriter((line, partial) => options.onLine("stderr", line, partial));
    this.fuel.value = options.fuel;
  }

  /** Instantiates the core modules; throws what the component's initialization throws. */
  instantiate(prepared: PreparedComponent, env: InstanceOptions["env"]): void {
    const limits = {
      [limitsImport.fuel]: this.fuel,
      [limitsImport.growFailed]: this.growFailed,
      [limitsImport.scratch]: new WebAssembly.Global({ value: "i32", mutable: true }, 0),
    };
    const exports = prepared.instantiate(
      (name) => {
        const module = prepared.coreModules.get(name);
        if (!module)
          throw new Error(`the glue asked for core module ${name}, which it did not generate`);
        return module;
      },
      wasiImports({ env, stdout: this.#stdout, stderr: this.#stderr }),
      (module, imports = {}) => {
        const instance = new WebAssembly.Instance(module, {
          ...imports,
          [limitsImport.module]: limits,
        });
        this.#coreExports.push(instance.exports as Record<string, unknown>);
        for (const value of Object.values(instance.exports)) {
          if (value instanceof WebAssembly.Memory && !this.#memories.includes(value)) {
            this.#memories.push(value);
          }
        }
        return instance;
      },
    );
    if (exports instanceof Promise || typeof exports !== "object" || exports === null) {
      throw new Error("jco's glue did not instantiate synchronously");
    }
    this.#exports = exports as Record<string, unknown>;
  }

  /** The glue's function `key`; the host checked at load that the glue has it. */
  export(key: string): (...args: unknown[]) => unknown {
    const value = this.#exports[key];
    if (typeof value !== "function") throw new Error(`jco's glue has no function export ${key}`);
    return value as (...args: unknown[]) => unknown;
  }

  /**
   * The core function a top-level export `name` lifts (the component's main module exports it
   * under its WIT name), with that module's memory, `cabi_realloc` and post-return; undefined
   * when no core instance has all of them.
   */
  coreExports(name: string): CoreExports | undefined {
    if (this.#coreByName.has(name)) return this.#coreByName.get(name);
    const found = this.#findCore(name);
    this.#coreByName.set(name, found);
    return found;
  }

  #findCore(name: string): CoreExports | undefined {
    for (const exports of this.#coreExports) {
      const fn = exports[name];
      const realloc = exports.cabi_realloc;
      const memory = exports.memory;
      if (typeof fn !== "function" || typeof realloc !== "function") continue;
      if (!(memory instanceof WebAssembly.Memory)) continue;
      const postReturn = exports[`cabi_post_${name}`];
      return {
        fn: fn as CoreExports["fn"],
        realloc: realloc as CoreExports["realloc"],
        memory,
        postReturn:
          typeof postReturn === "function" ? (postReturn as CoreExports["fn"]) : undefined,
      };
    }
    return undefined;
  }

  /** Resets the limits for the next call. */
  beginCall(fuel: number): void {
    this.fuel.value = fuel;
    this.growFailed.value = 0;
  }

  /** Emits output the call left without a final newline. */
  endCall(): void {
    this.#stdout.flush();
    this.#stderr.flush();
  }

  /** Bytes of linear memory it holds now: what it costs the node, whatever it uses. */
  get memoryBytes(): number {
    let bytes = 0;
    for (const memory of this.#memories) bytes += memory.buffer.byteLength;
    return bytes;
  }

  get fuelSpent(): boolean {
    return (this.fuel.value as number) < 0;
  }

  get memoryGrowthRefused(): boolean {
    return this.growFailed.value !== 0;
  }
}
