// bun run build: compiles vimanad into one executable, dist/vimanad, that runs with no
// node_modules beside it (api.proto and jco's generator are embedded by their imports).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const outfile = join(root, "dist", "vimanad");
await mkdir(join(root, "dist"), { recursive: true });
const result = Bun.spawnSync(
  [process.execPath, "build", "--compile", "--outfile", outfile, join(root, "runtime", "main.ts")],
  { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
);
if (result.exitCode !== 0) {
  console.error(`build: bun build --compile failed (exit ${result.exitCode})`);
  process.exit(result.exitCode ?? 1);
}
console.log(`build: ${outfile}`);
