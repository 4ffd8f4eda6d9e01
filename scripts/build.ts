// bun run build: compiles vimanad and the operator into one executable each, dist/vimanad and
// dist/vimana-operator, that run with no node_modules beside them (api.proto and jco's generator
// are embedded by their imports).
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

const targets: Record<string, string> = {
  vimanad: "runtime/main.ts",
  "vimana-operator": "src/operator/main.ts",
};
/** Worker threads' entry points, compiled into the executable beside its main entry point. */
const workerEntries: Record<string, readonly string[]> = {
  vimanad: ["runtime/workers/worker.ts"],
};

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(`Usage: bun run build [TARGET…]

Compiles with \`bun build --compile\` into dist/: vimanad (runtime/main.ts) and vimana-operator
(src/operator/main.ts), each one executable that runs with no node_modules beside it. Without
TARGETs, builds both. \`dist/vimanad --help\` and \`dist/vimana-operator --help\` list their options.`);
  process.exit(0);
}
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in targets));
if (unknown.length > 0) {
  console.error(
    `build: unknown target ${unknown.join(" ")}; targets: ${Object.keys(targets).join(", ")}`,
  );
  process.exit(2);
}

const root = join(import.meta.dir, "..");
await mkdir(join(root, "dist"), { recursive: true });
// One id for everything this run compiles: `vimanad --version`, CRI Version and the operator's
// first log line show it, which is how `bun run hotswap` knows the new build runs.
const buildId = `${new Date().toISOString().replace(/[-:]|\.\d+/g, "")}-${crypto.randomUUID().slice(0, 6)}`;
for (const name of requested.length > 0 ? requested : Object.keys(targets)) {
  const outfile = join(root, "dist", name);
  // Built beside, then renamed: a test copying dist/vimanad while a build runs gets a whole file.
  const partial = `${outfile}.${process.pid}.partial`;
  const result = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--compile",
      "--define",
      `process.env.VIMANA_BUILD_ID=${JSON.stringify(buildId)}`,
      "--outfile",
      partial,
      join(root, targets[name] ?? ""),
      ...(workerEntries[name] ?? []).map((entry) => join(root, entry)),
    ],
    { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
  );
  if (result.exitCode !== 0) {
    await rm(partial, { force: true });
    console.error(`build: bun build --compile of ${name} failed (exit ${result.exitCode})`);
    process.exit(result.exitCode ?? 1);
  }
  await rename(partial, outfile);
  console.log(`build: ${outfile} (build ${buildId})`);
}
