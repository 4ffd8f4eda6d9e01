// The OCI distribution client (pull, push, registry token auth) and the Vimana image format:
// an OCI manifest whose two layers are a WebAssembly component and its binary Metadata.
export type { Credentials } from "./auth.ts";
export type { Fetch, RegistryConnection } from "./client.ts";
export { sha256Digest } from "./digest.ts";
export { OciError } from "./errors.ts";
export { buildVimanaImage, type VimanaImage } from "./image-format.ts";
export {
  buildPlainImage,
  type ImageFile,
  type PlainImage,
  type PushPlainImageOptions,
  pushPlainImage,
  type RunConfig,
} from "./plain-image.ts";
export {
  type PulledVimanaImage,
  type PullOptions,
  pullChangedVimanaImage,
  pullVimanaImage,
} from "./pull.ts";
export { type PushOptions, type PushProgress, pushVimanaImage } from "./push.ts";
