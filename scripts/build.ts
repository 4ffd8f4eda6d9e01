// bun run build: compiles vimanad into one executable, dist/vimanad, that runs with no
// node_modules beside it (api.proto and jco's generator are embedded by their imports).
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(`Usage: bun run build

Compiles vimanad (runtime/main.ts) with \`bun build --compile\` into dist/vimanad: one executable
that runs with no node_modules beside it. \`dist/vimanad --help\` lists its options.`);
  process.exit(0);
}
const unknown = process.argv.slice(2);
if (unknown.length > 0) {
  console.error(`build: unexpected argument ${unknown.join(" ")} (see --help)`);
  process.exit(2);
}

const root = join(import.meta.dir, "..");
const outfile = join(root, "dist", "vimanad");
await mkdir(join(root, "dist"), { recursive: true });
// Built beside, then renamed: a test copying dist/vimanad while a build runs gets a whole file.
const partial = `${outfile}.${process.pid}.partial`;
const result = Bun.spawnSync(
  [process.execPath, "build", "--compile", "--outfile", partial, join(root, "runtime", "main.ts")],
  { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
);
if (result.exitCode !== 0) {
  await rm(partial, { force: true });
  console.error(`build: bun build --compile failed (exit ${result.exitCode})`);
  process.exit(result.exitCode ?? 1);
}
await rename(partial, outfile);
console.log(`build: ${outfile}`);
