// The operator's container image without Docker: the compiled executable and the shared
// libraries it loads (from `ldd`) as one layer, a passwd entry for the non-root user 65532.
import { existsSync, realpathSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import {
  buildPlainImage,
  type ImageFile,
  type PlainImage,
  pushPlainImage,
} from "../../oci/index.ts";
import { sharedLibraries } from "./libraries.ts";

export const OPERATOR_USER = "65532";
export const EXECUTABLE_PATH = "/vimana-operator";

export function operatorImageFiles(executable: string): ImageFile[] {
  return [
    { path: EXECUTABLE_PATH, from: executable, mode: 0o755 },
    // Each library under the path the loader looks for, with the content of what it links to.
    ...sharedLibraries(executable).map((library) => ({
      path: library,
      from: realpathSync(library),
      mode: 0o755,
    })),
    {
      path: "/etc/passwd",
      contents:
        "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
      mode: 0o644,
    },
    { path: "/etc/group", contents: "root:x:0:\nnonroot:x:65532:\n", mode: 0o644 },
    { path: "/home/nonroot", directory: true, mode: 0o755 },
    { path: "/tmp", directory: true, mode: 0o1777 },
  ];
}

export function buildOperatorImage(executable: string): PlainImage {
  return buildPlainImage(operatorImageFiles(executable), {
    entrypoint: [EXECUTABLE_PATH],
    user: `${OPERATOR_USER}:${OPERATOR_USER}`,
    labels: { "org.opencontainers.image.title": "vimana-operator" },
  });
}

/** `host[:port]/repository[:tag]` → its parts (the tag defaults to latest). */
export function parseImageRef(ref: string): { registry: string; repository: string; tag: string } {
  const slash = ref.indexOf("/");
  const rest = ref.slice(slash + 1);
  const colon = rest.lastIndexOf(":");
  const registry = ref.slice(0, slash);
  if (slash <= 0 || rest === "" || !/[.:]|^localhost$/.test(registry)) {
    throw new Error(
      `--push: expected REGISTRY/REPOSITORY[:TAG] (e.g. localhost:5000/vimana-operator:latest), got "${ref}"`,
    );
  }
  return colon > 0
    ? { registry, repository: rest.slice(0, colon), tag: rest.slice(colon + 1) }
    : { registry, repository: rest, tag: "latest" };
}

/** The executable to ship: this one when compiled, else dist/vimana-operator built from source. */
function defaultExecutable(): string {
  if (basename(process.execPath) === "vimana-operator") return process.execPath;
  const root = join(import.meta.dir, "..", "..", "..");
  process.stderr.write("image: building dist/vimana-operator…\n");
  const built = Bun.spawnSync(
    [process.execPath, join(root, "scripts", "build.ts"), "vimana-operator"],
    {
      cwd: root,
      stdout: "inherit",
      stderr: "inherit",
    },
  );
  if (built.exitCode !== 0)
    throw new Error(`bun run build vimana-operator failed (exit ${built.exitCode})`);
  return join(root, "dist", "vimana-operator");
}

export async function imageCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      push: { type: "string" },
      insecure: { type: "boolean", default: false },
      executable: { type: "string" },
    },
    strict: true,
  });
  if (!values.push) throw new Error("image: --push REF is required (see --help)");
  const target = parseImageRef(values.push);
  const executable = values.executable ?? defaultExecutable();
  if (!existsSync(executable)) throw new Error(`image: ${executable} does not exist`);
  const image = buildOperatorImage(executable);
  process.stderr.write(
    `image: one layer of ${(image.layer.byteLength / 1e6).toFixed(1)} MB (executable and ${sharedLibraries(executable).length} libraries); pushing to ${values.push}…\n`,
  );
  const pushed = await pushPlainImage({ ...target, insecure: values.insecure, image });
  console.log(pushed);
  return 0;
}
