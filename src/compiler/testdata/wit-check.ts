// Checks generated WIT with the WIT tooling our builds use (jco's wasm-tools): a dummy component
// of the world is built, so the WIT must parse, resolve and describe valid component types.
import { componentEmbed, componentNew, componentWit } from "@bytecodealliance/jco";
import { witWithPlatformPackages } from "../../wit/index.ts";

/** The world as the component built from it shows it; throws when the WIT is rejected. */
export async function componentWorld(wit: string, world: string): Promise<string> {
  const witSource = witWithPlatformPackages(wit);
  const dummy = await componentEmbed({ dummy: true, witSource, world });
  return componentWit(await componentNew(dummy, []));
}
