// bun run update-deps [--dry-run]: move every pinned version to the newest its policy allows.
import { resolve } from "node:path";
import {
  criToolsVersion,
  envoyGatewayVersion,
  envoyVersion,
  etcdVersion,
  gatewayApiVersion,
  kubernetesVersion,
} from "../kubernetes/index.ts";
import { toolVersions } from "../tools/index.ts";
import { kubernetesPins, npmPins, toolPins } from "./pins.ts";
import { defaultRegistries } from "./registries.ts";
import { apply, plan } from "./update.ts";

const root = resolve(import.meta.dir, "../..");
const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(`Usage: bun run update-deps [--dry-run]

Moves every pinned version to the newest stable release its policy allows and prints what
changed:
  package.json dependencies (npm registry): within their major (their minor below 1.0);
    then bun install rewrites bun.lock
  scripts/tools/versions.ts (Go module proxy, crates.io): within their major
  (a Go module whose go.mod asks for a newer Go than the local one is passed over)
  scripts/kubernetes/versions.ts (Go module proxy): patch releases only, as they must match
    each other (Envoy ${envoyVersion} follows Envoy Gateway's default: moved by hand)
If a step fails every file is put back and node_modules reinstalled from the old bun.lock.
Registries: $NPM_CONFIG_REGISTRY, the first of $GOPROXY, index.crates.io.
  --dry-run  print the changes without writing them`);
  process.exit(0);
}
const unknown = args.filter((arg) => arg !== "--dry-run");
if (unknown.length > 0) {
  console.error(`update-deps: unknown argument ${unknown.join(" ")} (see --help)`);
  process.exit(2);
}
const log = (line: string) => console.log(`update-deps: ${line}`);
try {
  const pins = [
    ...npmPins(await Bun.file(`${root}/package.json`).text()),
    ...toolPins(toolVersions),
    ...kubernetesPins({
      kubernetesVersion,
      etcdVersion,
      criToolsVersion,
      gatewayApiVersion,
      envoyGatewayVersion,
    }),
  ];
  log(`checking ${pins.length} pinned versions`);
  const { changes, unchecked } = await plan(pins, defaultRegistries());
  for (const line of unchecked) log(`not checked: ${line}`);
  if (changes.length === 0) log("everything is at the newest allowed version");
  for (const { pin, next } of changes) log(`${pin.name} ${pin.current} → ${next} (${pin.file})`);
  if (changes.length > 0 && !args.includes("--dry-run")) {
    await apply(changes, {
      root,
      install: ["bun", "install"],
      restore: ["bun", "install", "--frozen-lockfile"],
      log,
    });
    log(`updated ${changes.length}; run bun run test`);
  }
} catch (error) {
  console.error(`update-deps: ${(error as Error).message}`);
  process.exit(1);
}
