// `vimana new`'s templates are imported as text (`with { type: "text" }`), which also embeds
// them in a compiled executable; the `.template` suffix keeps tools from reading them as code.
declare module "*.template" {
  const text: string;
  export default text;
}
