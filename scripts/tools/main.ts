// bun run tools [NAME…]: install the pinned tools into .bin/.
// bun run tool NAME [ARG…]: run one (installing it first), in the caller's directory.
import { resolve } from "node:path";
import { findTool, installTool, isInstalled, tools } from "./index.ts";

const root = resolve(import.meta.dir, "../..");
const [command, ...args] = process.argv.slice(2);
const log = (line: string) => console.error(`tools: ${line}`);

const toolsHelp = `Usage: bun run tools [NAME…] [--list]

Installs pinned versions of the project's tools into .bin/ (git-ignored; .envrc puts it on PATH
for direnv users): ${tools.map((t) => t.name).join(", ")}.
Each comes from the first source that works here: a release download verified against its
pinned SHA-256 (scripts/tools/versions.ts), the local cluster's cached build (kubectl, crictl),
a build from its Go module or crate, or the system's package (openssl). Binaries are cached in
~/.cache/vimana/tools; .bin/NAME links to them. Without NAME every tool is installed.
  --list  print each tool, its pinned version and whether it is installed`;

const toolHelp = `Usage: bun run tool NAME [ARG…]

Runs the pinned tool NAME (see bun run tools --list) with ARGs in the directory bun run was
called from, installing it first if it is missing or at another version. Exits with its status.`;

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

if (command === "install") {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(toolsHelp);
    process.exit(0);
  }
  if (args.includes("--list")) {
    for (const tool of tools) {
      const state = isInstalled(tool, { root }) ? "installed" : "not installed";
      console.log(`${tool.name}\t${tool.version}\t${state}`);
    }
    process.exit(0);
  }
  let wanted: typeof tools;
  try {
    wanted = args.length > 0 ? args.map(findTool) : tools;
  } catch (error) {
    fail(`tools: ${(error as Error).message}`, 2);
  }
  const failures: string[] = [];
  for (const tool of wanted) {
    try {
      const path = await installTool(tool, { root, log });
      console.log(`${tool.name}\t${tool.version}\t${path}`);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) fail(`tools: ${failures.length} not installed:\n${failures.join("\n")}`);
} else if (command === "run") {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h") {
    console.log(toolHelp);
    process.exit(name === undefined ? 2 : 0);
  }
  let path: string;
  try {
    path = await installTool(findTool(name), { root, log });
  } catch (error) {
    fail(`tool: ${(error as Error).message}`);
  }
  // bun run starts scripts in the package's directory; it passes the caller's as this variable.
  const cwd = process.env.npm_config_local_prefix ?? process.cwd();
  const child = Bun.spawn([path, ...rest], { cwd, stdio: ["inherit", "inherit", "inherit"] });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  process.exit(await child.exited);
} else {
  fail("Usage: bun scripts/tools/main.ts install|run …", 2);
}
