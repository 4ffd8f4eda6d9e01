// `vimana build [PROJECT]`
import { relative } from "node:path";
import { CompileError, formatProblem } from "../compiler/index.ts";
import {
  ArtifactBuilder,
  generatedDir,
  loadProject,
  type Project,
  ProjectError,
  progressTicker,
} from "../dev/index.ts";
import { encodeMetadata } from "../metadata/index.ts";
import { type Command, EXIT_FAILURE, strictArgs, UsageError } from "./command.ts";
import { PROJECT_FILE, projectFile } from "./project-file.ts";

const help = `Usage: vimana build [PROJECT]

Builds every Component of a project (PROJECT/${PROJECT_FILE}, or the YAML file named;
default: ./${PROJECT_FILE}) as \`vimana dev\` builds it: the .proto compiled into the
WIT world and Metadata, the source into a component. For each Component NAME it
writes, beside the YAML file:

  build/NAME/component.wasm   the WebAssembly component
  build/NAME/metadata.binpb   its Metadata
  build/NAME/<package>.wit    the world it implements (when the YAML names no wit)

and prints the \`vimana push\` line that publishes it. Builds that take longer than a
second print progress.

Options:
  -h, --help   show this help`;

export const buildCommand: Command = {
  name: "build",
  summary: "build a project's components and Metadata, ready for push",
  help,
  async run(args, io) {
    const { positionals } = strictArgs(args, {});
    if (positionals.length > 1) throw new UsageError("name at most one project");
    let project: Project;
    try {
      project = await loadProject(projectFile(positionals[0] ?? "."));
    } catch (error) {
      if (!(error instanceof ProjectError)) throw error;
      io.err(error.message);
      return EXIT_FAILURE;
    }
    const builder = new ArtifactBuilder(project.file, io.out);
    let failed = 0;
    // One at a time: builds are CPU-bound, and their progress lines stay readable.
    for (const spec of project.components) {
      const label = `${spec.name} (${spec.server}@${spec.version})`;
      const started = performance.now();
      const progress = progressTicker(io.out, label);
      try {
        const { bytes, metadata } = await builder.build(spec);
        const dir = generatedDir(project.file, spec);
        const component = `${dir}/component.wasm`;
        const metadataFile = `${dir}/metadata.binpb`;
        await Bun.write(component, bytes);
        await Bun.write(metadataFile, encodeMetadata(metadata));
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        io.out(
          `✓ ${label}: ${show(component)} (${kib(bytes.length)}), ${show(metadataFile)} in ${seconds} s`,
        );
        io.out(
          `  vimana push --registry URL --domain ${spec.domain} --server ${spec.server} --version ${spec.version} --component ${show(component)} --metadata ${show(metadataFile)}`,
        );
      } catch (error) {
        failed++;
        const message =
          error instanceof CompileError
            ? error.problems.map(formatProblem).join("\n")
            : (error as Error).message;
        io.err(`✗ ${label}: ${message}`);
      } finally {
        clearInterval(progress);
      }
    }
    builder.close();
    return failed > 0 ? EXIT_FAILURE : 0;
  },
};

function show(path: string): string {
  return relative(process.cwd(), path) || path;
}

function kib(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${Math.round(bytes / 1024)} KiB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
