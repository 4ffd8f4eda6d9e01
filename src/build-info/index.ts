// Which build this is: `bun run build` stamps an id into each executable it compiles (the same
// for vimanad and the operator of one build), so that `bun run hotswap` can tell that the new
// one runs. Run from source, it is "source".
export const BUILD_ID: string = process.env.VIMANA_BUILD_ID ?? "source";
