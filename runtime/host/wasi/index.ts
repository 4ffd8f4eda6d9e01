// The whole sandbox a component runs in: the WASI 0.2.x interfaces below and nothing else. No
// sockets, no HTTP, no files. A component that imports anything more does not load.
import { LineWriter } from "../log.ts";
import { type CliContext, cliInterfaces } from "./cli.ts";
import { clockInterfaces } from "./clocks.ts";
import { filesystemInterfaces } from "./filesystem.ts";
import { ioInterfaces } from "./io.ts";
import { randomInterfaces } from "./random.ts";

/** Interface objects keyed by unversioned interface name, as jco's glue looks them up. */
export type WasiImports = Record<string, Record<string, unknown>>;

export function wasiImports(context: CliContext): WasiImports {
  return {
    ...cliInterfaces(context),
    ...clockInterfaces,
    ...filesystemInterfaces,
    ...ioInterfaces,
    ...randomInterfaces,
  };
}

/** Every interface the sandbox provides (unversioned). */
const providedInterfaces: ReadonlySet<string> = new Set(
  Object.keys(
    wasiImports({ env: [], stdout: new LineWriter(() => {}), stderr: new LineWriter(() => {}) }),
  ),
);

/** WASI 0.2 releases are compatible with each other: accept any 0.2.x. */
const ACCEPTED_VERSION = /^0\.2\.\d+$/;

/**
 * Why the sandbox cannot satisfy `versionedName` (e.g. `wasi:sockets/tcp@0.2.0`), or undefined
 * if it can.
 */
export function refusal(versionedName: string): string | undefined {
  const at = versionedName.lastIndexOf("@");
  const name = at < 0 ? versionedName : versionedName.slice(0, at);
  const version = at < 0 ? undefined : versionedName.slice(at + 1);
  if (!providedInterfaces.has(name)) {
    if (/^wasi:(sockets|http)\//.test(name)) return "no network access is provided";
    return "the host does not provide it";
  }
  if (version === undefined || !ACCEPTED_VERSION.test(version)) {
    return `only versions 0.2.x of ${name} are provided`;
  }
  return undefined;
}
