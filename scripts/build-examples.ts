// bun run build:examples [NAME…]: build the example components into build/examples/.
import { parseArgs } from "node:util";
import { buildExamples, describeResult } from "../examples/build.ts";
import { exampleComponents } from "../examples/index.ts";

const usage = `Usage: bun run build:examples [--help] [NAME…]

Builds the example components (WAT with jco; C with clang and wasi-libc) into build/examples/,
each with its binary Metadata beside it (NAME.metadata.binpb). An example is rebuilt only when
its sources, headers or WIT changed. C examples are skipped, with the command that installs the
toolchain, when clang or wasi-libc is missing.

Examples: ${exampleComponents.map((e) => e.name).join(", ")}`;

const { values, positionals } = parseArgs({
  options: { help: { type: "boolean", short: "h" } },
  allowPositionals: true,
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

try {
  const results = await buildExamples({
    only: positionals.length ? positionals : undefined,
    onResult: (result) => console.log(describeResult(result)),
  });
  if (results.some((r) => r.outcome === "failed")) process.exit(1);
} catch (error) {
  console.error(`build:examples: ${error instanceof Error ? error.message : error}\n\n${usage}`);
  process.exit(2);
}
