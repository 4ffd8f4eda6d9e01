// The operator's container image: built from the compiled executable, pushed with src/oci.
export { buildOperatorImage, imageCommand, operatorImageFiles, parseImageRef } from "./image.ts";
export { parseLdd, sharedLibraries } from "./libraries.ts";
