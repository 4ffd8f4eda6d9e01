// bun run test [bun test args…]: install the test prerequisites when possible, then run every test.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ensureGrpcurl } from "./go-tools.ts";
import { ensureBinaries } from "./kubernetes/index.ts";
import { ensurePrerequisites, testPrerequisites } from "./prerequisites.ts";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(`Usage: bun run test [FILTER…] [bun test options]

Makes sure the services and compilers the suites use are installed (${testPrerequisites
    .map((p) => p.debianPackage)
    .join(", ")}):
when one is missing and this runs as root with apt-get, it installs it; otherwise it prints the
command to run and stops. Builds the upstream Kubernetes binaries the cluster fixtures run when
they are not cached yet (bun run kube:binaries; needs Go). Then runs \`bun test\` with the
given arguments.`);
  process.exit(0);
}

try {
  await ensurePrerequisites(testPrerequisites, (line) =>
    console.log(`test prerequisites: ${line}`),
  );
  await ensureGrpcurl((line) => console.log(`test prerequisites: ${line}`));
  // The cluster fixtures' upstream binaries: minutes on a fresh machine, nothing once cached.
  await ensureBinaries({ log: (line) => console.log(`test prerequisites: ${line}`) });
} catch (error) {
  console.error(`test prerequisites: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}

// A JUnit report beside the console output gives the one-line summary CI systems read.
const report = join(import.meta.dir, "..", "build", "test-report.xml");
await rm(report, { force: true });
// Suites start containerd, registries and compilers: seconds, not the default 5 s. (bunfig has no
// timeout setting, and setDefaultTimeout in a preload reaches only the first file.)
const tests = Bun.spawn(
  [
    process.execPath,
    "test",
    "--timeout=60000",
    "--reporter=junit",
    `--reporter-outfile=${report}`,
    ...args,
  ],
  { stdio: ["inherit", "inherit", "inherit"] },
);
const code = await tests.exited;
const file = Bun.file(report);
const totals = (await file.exists())
  ? /<testsuites\b[^>]*>/.exec(await file.text())?.[0]
  : undefined;
if (totals) {
  const count = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(totals)?.[1] ?? 0);
  const [all, failed, skipped] = [count("tests"), count("failures"), count("skipped")];
  console.log(`\ntests: ${all - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
}
process.exit(code);
