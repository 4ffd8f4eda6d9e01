// `vimana compile FILE.proto… [-I DIR]… --out DIR`
import {
  type Compilation,
  CompileError,
  compileProtos,
  describeCompilation,
  formatProblem,
  writeCompilation,
} from "../compiler/index.ts";
import { type Command, EXIT_FAILURE, strictArgs, UsageError } from "./command.ts";

const help = `Usage: vimana compile FILE.proto… [-I DIR]… --out DIR [--typed-errors]

Compiles the gRPC services of FILE.proto… (one proto package) into what a Vimana
component is built and served with:
  DIR/<package>.wit          the WIT world to implement: one export per method,
                             called with the call's context and the request
  DIR/deps/vimana-grpc.wit   the platform package the world uses
  DIR/metadata.binpb         the Metadata vimanad serves the component with

Options:
  -I, --proto-path DIR   look up imports in DIR; repeat for more, searched in
                         order (default: the working directory). Every FILE
                         must be inside one of them.
  -o, --out DIR          where to write (created if missing)
      --typed-errors     methods return result<response, status>, so an
                         implementation can fail a call with a gRPC status
                         (vimana:grpc's status; what \`vimana build\` uses)
  -h, --help             show this help`;

export const compileCommand: Command = {
  name: "compile",
  summary: "compile .proto services into a WIT world and Metadata",
  help,
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length === 0) throw new UsageError("name at least one .proto file");
    if (values.out === undefined) throw new UsageError("--out DIR is required");
    let compilation: Compilation;
    try {
      compilation = await compileProtos(
        { files: positionals, includeDirs: values["proto-path"] ?? [] },
        { typedErrors: values["typed-errors"] === true },
      );
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      for (const problem of error.problems) io.err(formatProblem(problem));
      return EXIT_FAILURE;
    }
    let written: string[];
    try {
      written = await writeCompilation(compilation, values.out);
    } catch (error) {
      io.err(`cannot write to ${values.out}: ${error instanceof Error ? error.message : error}`);
      return EXIT_FAILURE;
    }
    io.out(describeCompilation(compilation, written));
    return 0;
  },
};

function parse(args: string[]) {
  return strictArgs(args, {
    "proto-path": { type: "string", short: "I", multiple: true },
    out: { type: "string", short: "o" },
    "typed-errors": { type: "boolean" },
  });
}
