export { buildComponentCached } from "./cache.ts";
export type { WorldRef } from "./component.ts";
export { buildComponent, type ComponentSource, inputFiles } from "./source.ts";
export {
  cToolchain,
  installCommand,
  missing,
  type Prerequisite,
} from "./toolchain.ts";
export { ensureWitBindgen, generateCBindings, WIT_BINDGEN_VERSION } from "./wit-bindgen.ts";
