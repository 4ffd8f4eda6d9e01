// `vimana dev [PROJECT] [--host H] [--port N] [--once] [--quiet]`
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DevError, ProjectError, startDev } from "../dev/index.ts";
import { type Command, EXIT_FAILURE, strictArgs, UsageError } from "./command.ts";
import { PROJECT_FILE, projectFile } from "./project-file.ts";

const examplesDir = join(import.meta.dir, "..", "..", "examples");

const help = `Usage: vimana dev [PROJECT] [--host HOST] [--port PORT] [--once] [--quiet]

Serves a project's components on one local port, routed as a cluster routes
them, and rebuilds and swaps a version in when one of its files is saved:
calls in flight finish on the old version, new calls go to the new one.

PROJECT is a YAML file of Domain, Server and Component resources, or a
directory holding ${PROJECT_FILE} (default: ./${PROJECT_FILE} if there is one, else
the repository's examples). docs/dev.md has the format.

Options:
      --host HOST   address to listen on (default 127.0.0.1)
  -p, --port PORT   port to listen on (default 8080; 0 picks a free one)
      --once        build and serve, without watching for changes
  -q, --quiet       no request log
  -h, --help        show this help`;

export const devCommand: Command = {
  name: "dev",
  summary: "serve a project locally with hot reload",
  help,
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length > 1) throw new UsageError("name at most one project");
    const port = Number(values.port ?? "8080");
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port must be a port number, not ${values.port}`);
    }
    const here = join(process.cwd(), PROJECT_FILE);
    const project = projectFile(positionals[0] ?? (existsSync(here) ? here : examplesDir));
    let server: Awaited<ReturnType<typeof startDev>>;
    try {
      server = await startDev({
        project,
        host: values.host ?? "127.0.0.1",
        port,
        watch: !values.once,
        requestLog: !values.quiet,
        cacheDir: join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "vimana", "dev"),
        out: io.out,
        err: io.err,
      });
    } catch (error) {
      if (!(error instanceof ProjectError || error instanceof DevError)) throw error;
      io.err(error.message);
      return EXIT_FAILURE;
    }
    await new Promise<void>((done) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        io.out("vimana dev: stopping");
        void server.close().then(done);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    return 0;
  },
};

function parse(args: string[]) {
  return strictArgs(args, {
    host: { type: "string" },
    port: { type: "string", short: "p" },
    once: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  });
}
