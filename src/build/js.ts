import { witWithPlatformPackages } from "../wit/index.ts";
import { messageOf, type WorldRef } from "./component.ts";

/**
 * Builds a component from one JavaScript module with componentize-js (SpiderMonkey inside the
 * component: ~12 MB, seconds to build). The WIT goes inline (`witWorld`): componentize-js reads
 * `witPath` through preview2-shim, which has no preopens. HTTP support is left out because vimanad
 * provides no network: a component importing `wasi:http` would not load.
 */
export async function buildJsComponent(sourcePath: string, target: WorldRef): Promise<Uint8Array> {
  // Loaded on demand: it pulls in a native parser, wizer and weval, which WAT and C builds skip.
  const { componentize } = await import("@bytecodealliance/componentize-js");
  const witWorld = witWithPlatformPackages(await Bun.file(target.witPath).text());
  // `witWorld` is read by componentize() but missing from its published options type.
  const options = {
    sourcePath,
    witWorld,
    worldName: target.world,
    disableFeatures: ["http" as const, "fetch-event" as const],
  };
  const { component } = await componentize(options).catch((error: unknown) => {
    throw new Error(`${sourcePath}: world ${target.world}: ${messageOf(error)}`);
  });
  return component;
}
