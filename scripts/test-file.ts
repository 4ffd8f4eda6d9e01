// bun scripts/test-file.ts FILE: the tests of one file (the editor's test task): FILE itself if
// it is a test, else its `.test.ts` sibling, else every test in its folder; run as bun run test does.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const [file] = process.argv.slice(2);
if (file === undefined || file === "--help" || file === "-h") {
  console.log(`Usage: bun scripts/test-file.ts FILE

Runs the tests of FILE through scripts/test.ts: FILE if it is a *.test.ts, else the FILE.test.ts
beside it, else the tests of FILE's folder.`);
  process.exit(file === undefined ? 2 : 0);
}

/** The test files of `path`, relative to the checkout, each starting with ./ */
function testsOf(path: string): string[] {
  const absolute = resolve(root, path);
  if (/\.test\.tsx?$/.test(absolute)) return [absolute];
  const sibling = absolute.replace(/\.tsx?$/, ".test.ts");
  if (sibling !== absolute && existsSync(sibling)) return [sibling];
  const dir =
    existsSync(absolute) && statSync(absolute).isDirectory() ? absolute : dirname(absolute);
  return readdirSync(dir)
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => join(dir, name));
}

const tests = testsOf(file).map((path) => `./${relative(root, path)}`);
if (tests.length === 0) {
  console.error(`test-file: no tests for ${file}: no .test.ts beside it and none in its folder`);
  process.exit(1);
}
const child = Bun.spawn(["bun", join(root, "scripts", "test.ts"), ...tests], {
  cwd: root,
  stdio: ["inherit", "inherit", "inherit"],
});
process.exit(await child.exited);
