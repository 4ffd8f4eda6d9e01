// Bun imports `.wit` files as text (`with { type: "text" }`), which also embeds them in a
// compiled executable.
declare module "*.wit" {
  const text: string;
  export default text;
}
