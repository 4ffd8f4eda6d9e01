// bun run docs / docs:build: the docs site (VitePress, config in docs/.vitepress), served with
// live reload or built into build/docs and link-checked.
import { parseArgs } from "node:util";
import { build, createServer } from "vitepress";
import { checkLinks, siteDir } from "../docs/.vitepress/index.ts";

const usage = `Usage: bun run docs [--port N] [--host ADDRESS]
       bun run docs:build

docs        serves the site on http://localhost:5173 (or --port), reloading pages as the
            Markdown changes.
docs:build  writes the static site to build/docs, then checks every internal link and anchor.

Every tracked Markdown file of the repository is a page (README.md is the home page); mermaid
fences are drawn as diagrams, and a broken one fails with its file and line.`;

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    help: { type: "boolean", short: "h" },
    port: { type: "string" },
    host: { type: "string" },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const [mode, ...extra] = positionals;
if ((mode !== "dev" && mode !== "build") || extra.length > 0) {
  console.error(
    `docs: expected "dev" or "build", got ${positionals.join(" ") || "nothing"}\n\n${usage}`,
  );
  process.exit(2);
}
const root = new URL("../docs", import.meta.url).pathname;

try {
  if (mode === "dev") {
    const server = await createServer(root, {
      port: values.port === undefined ? undefined : Number(values.port),
      host: values.host,
    });
    await server.listen();
    server.printUrls();
  } else {
    await build(root);
    const problems = await checkLinks(siteDir);
    if (problems.length > 0) {
      console.error(
        `docs: ${problems.length} broken link(s) in build/docs:\n  ${problems.join("\n  ")}`,
      );
      process.exit(1);
    }
    console.log(`docs: build/docs written, every internal link and anchor resolves`);
  }
} catch (error) {
  console.error(`docs: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
