// `.proto` files are imported as text (`with { type: "text" }`) so that `bun build --compile`
// embeds them in the executable instead of reading them from disk at run time.
declare module "*.proto" {
  const text: string;
  export default text;
}
