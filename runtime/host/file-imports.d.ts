// Bun imports `.wasm` files `with { type: "file" }` as their path; `bun build --compile` embeds
// them and the path points into the executable.
declare module "*.wasm" {
  const path: string;
  export default path;
}
