// bun run bench NAME…: run the benchmarks named (each `<NAME>.bench.ts` under src/, runtime/,
// minikube/ or e2e/).
import { basename, join } from "node:path";

const root = join(import.meta.dir, "..");
const found = new Map<string, string>();
for (const dir of ["src", "runtime", "minikube", "e2e"]) {
  for await (const path of new Bun.Glob("**/*.bench.ts").scan({ cwd: join(root, dir) })) {
    found.set(basename(path, ".bench.ts"), join(dir, path));
  }
}
const available = [...found.keys()].sort().join(", ") || "(none yet)";

const names = process.argv.slice(2);
if (names.length === 0 || names.includes("--help") || names.includes("-h")) {
  console.log(`Usage: bun run bench NAME…

Runs each benchmark in its own Bun process and prints its figures: medians, and ratios against a
baseline measured in the same run. The machine is shared: compare ratios, not absolute numbers.

Benchmarks: ${available}`);
  process.exit(names.length === 0 ? 2 : 0);
}

const unknown = names.filter((name) => !found.has(name));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(", ")}; available: ${available}`);
  process.exit(2);
}
for (const name of names) {
  console.log(`== bench ${name} (${found.get(name)})`);
  const child = Bun.spawn([process.execPath, join(root, found.get(name) ?? "")], {
    cwd: root,
    stdio: ["inherit", "inherit", "inherit"],
  });
  const code = await child.exited;
  if (code !== 0) {
    console.error(`bench: ${name} failed (exit ${code})`);
    process.exit(code);
  }
}
