// `.proto` files → a FileDescriptorSet with source info, by the buf CLI from npm (see
// docs/compiler.md for why buf). protoc's `-I` directories become the modules of a buf
// workspace: a temporary directory whose `i0`, `i1`, … link to them, so imports resolve against
// each directory as protoc's would, and buf's errors are mapped back to the user's paths.
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { type FileDescriptorSet, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { CompileError, type Problem } from "./errors.ts";

export interface ProtoInputs {
  /** The `.proto` files to compile (their services are served). */
  files: readonly string[];
  /** Where imports are looked up, in order, as protoc's `-I`; default: the working directory. */
  includeDirs?: readonly string[];
}

export interface Descriptors {
  set: FileDescriptorSet;
  /** The proto names (include-relative, as imports spell them) of the files compiled. */
  targets: string[];
  /** How to show a proto name's file to the user: the path it was found at. */
  displayPath(protoName: string): string;
}

/** npm package of the buf binary for this platform, as @bufbuild/buf's own launcher picks it. */
const bufPackages: Record<string, string> = {
  "linux x64": "@bufbuild/buf-linux-x64",
  "linux arm64": "@bufbuild/buf-linux-aarch64",
  "darwin x64": "@bufbuild/buf-darwin-x64",
  "darwin arm64": "@bufbuild/buf-darwin-arm64",
  "win32 x64": "@bufbuild/buf-win32-x64",
  "win32 arm64": "@bufbuild/buf-win32-arm64",
};

function bufBinary(): string {
  const platform = `${process.platform} ${process.arch}`;
  const pkg = bufPackages[platform];
  if (!pkg) throw new CompileError([{ message: `buf has no build for ${platform}` }]);
  const binary = process.platform === "win32" ? "buf.exe" : "buf";
  try {
    return Bun.resolveSync(`${pkg}/bin/${binary}`, import.meta.dir);
  } catch {
    throw new CompileError([
      { message: `the buf CLI (${pkg}) is not installed: run \`bun install\` in the project` },
    ]);
  }
}

export async function buildDescriptors(inputs: ProtoInputs): Promise<Descriptors> {
  const { includes, targets } = resolveInputs(inputs);
  const workspace = await mkdtemp(join(tmpdir(), "vimana-compile-"));
  try {
    await Promise.all(includes.map(({ path }, i) => symlink(path, join(workspace, `i${i}`))));
    const config = { version: "v2", modules: includes.map((_, i) => ({ path: `i${i}` })) };
    const run = Bun.spawn(
      [
        bufBinary(),
        "build",
        "--config",
        JSON.stringify(config),
        "--as-file-descriptor-set",
        "--error-format",
        "json",
        "-o",
        "-",
        ...[...targets.values()].flatMap((path) => ["--path", path]),
      ],
      { cwd: workspace, stdout: "pipe", stderr: "pipe", stdin: "ignore" },
    );
    const [stdout, stderr, code] = await Promise.all([
      new Response(run.stdout).bytes(),
      new Response(run.stderr).text(),
      run.exited,
    ]);
    if (code !== 0) throw new CompileError(bufProblems(stderr, includes));
    return {
      set: fromBinary(FileDescriptorSetSchema, stdout),
      targets: [...targets.keys()],
      displayPath: (protoName) => display(includes, protoName),
    };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

/**
 * The include directories, and each file's proto name (relative to the first include that
 * holds it, as protoc names it) with its path in the buf workspace.
 */
function resolveInputs(inputs: ProtoInputs): {
  includes: Include[];
  targets: Map<string, string>;
} {
  const includes = (inputs.includeDirs?.length ? inputs.includeDirs : ["."]).map((dir) => ({
    given: dir,
    path: resolve(dir),
  }));
  const problems: Problem[] = [];
  for (const include of includes) {
    if (!isDirectory(include.path)) {
      problems.push({ message: `include directory ${include.given} does not exist` });
    }
  }
  const targets = new Map<string, string>();
  for (const file of inputs.files) {
    if (!existsSync(file)) {
      problems.push({ message: `${file}: no such file` });
      continue;
    }
    const index = includes.findIndex((include) => isInside(include.path, resolve(file)));
    const include = includes[index];
    if (!include) {
      problems.push({
        message: `${file} is not inside any include directory (-I): name the directory its imports are relative to`,
      });
      continue;
    }
    const protoName = relative(include.path, resolve(file)).split(sep).join("/");
    targets.set(protoName, `i${index}/${protoName}`);
  }
  if (problems.length > 0) throw new CompileError(problems);
  return { includes, targets };
}

interface Include {
  /** As the user wrote it. */
  given: string;
  path: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** The first include directory's copy of a proto name, as the user would write its path. */
function display(includes: readonly Include[], protoName: string): string {
  for (const include of includes) {
    const path = join(include.path, protoName);
    if (existsSync(path)) {
      const fromHere = relative(process.cwd(), path);
      return fromHere.startsWith("..") || isAbsolute(fromHere) ? path : fromHere;
    }
  }
  // Files buf provides itself, such as google/protobuf/empty.proto.
  return protoName;
}

/** buf's JSON error lines, with workspace paths (`i0/a.proto`) turned back into the user's. */
function bufProblems(stderr: string, includes: readonly Include[]): Problem[] {
  const problems: Problem[] = [];
  for (const line of stderr.split("\n")) {
    if (line.trim() === "") continue;
    const parsed = parseBufError(line);
    if (!parsed) {
      problems.push({ message: `buf: ${line.trim()}` });
      continue;
    }
    const match = /^i(\d+)\/(.*)$/.exec(parsed.path);
    const include = includes[Number(match?.[1])];
    const file = include && match?.[2] ? display([include], match[2]) : parsed.path;
    problems.push({
      location: { file, line: parsed.start_line, column: parsed.start_column },
      message: parsed.message,
    });
  }
  return problems.length > 0 ? problems : [{ message: "buf failed without a message" }];
}

interface BufError {
  path: string;
  start_line: number;
  start_column: number;
  message: string;
}

function parseBufError(line: string): BufError | undefined {
  try {
    const value = JSON.parse(line) as Partial<BufError>;
    if (
      typeof value.path === "string" &&
      typeof value.start_line === "number" &&
      typeof value.start_column === "number" &&
      typeof value.message === "string"
    ) {
      return value as BufError;
    }
  } catch {
    // Not JSON: buf's own failures (bad flags, I/O) are plain text.
  }
  return undefined;
}
