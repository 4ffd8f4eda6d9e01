import { componentEmbed, componentNew, preview1AdapterReactorPath } from "@bytecodealliance/jco";
import { witWithPlatformPackages } from "../wit/index.ts";

/** Which WIT world a core module implements. */
export interface WorldRef {
  /** Path of the `.wit` file that declares the world. */
  witPath: string;
  world: string;
}

/** Wraps a core module into a component of `world`, adapting WASI preview1 imports if any. */
export async function componentFromCore(core: Uint8Array, target: WorldRef): Promise<Uint8Array> {
  const witSource = witWithPlatformPackages(await Bun.file(target.witPath).text());
  const embedded = await componentEmbed({ binary: core, witSource, world: target.world }).catch(
    (error: unknown) => {
      throw new Error(`${target.witPath}: world ${target.world}: ${messageOf(error)}`);
    },
  );
  // The adapter is linked only when the module imports wasi_snapshot_preview1 (wasi-libc code
  // that prints or reads the clock); otherwise the component stays import-free.
  const adapter = new Uint8Array(await Bun.file(preview1AdapterReactorPath()).arrayBuffer());
  return componentNew(embedded, [["wasi_snapshot_preview1", adapter]]).catch((error: unknown) => {
    throw new Error(`${target.witPath}: world ${target.world}: ${messageOf(error)}`);
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
