// The `vimana` command: a table of subcommands, each with its own usage and `--help`.
import packageJson from "../../package.json" with { type: "json" };
import { closest } from "../suggest/index.ts";
import { buildCommand } from "./build.ts";
import { type Command, EXIT_USAGE, type Io, UsageError } from "./command.ts";
import { compileCommand } from "./compile.ts";
import { devCommand } from "./dev.ts";
import { newCommand } from "./new.ts";
import { pushCommand } from "./push.ts";

const commands: readonly Command[] = [
  newCommand,
  devCommand,
  buildCommand,
  pushCommand,
  compileCommand,
];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: vimana COMMAND [ARGS…]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `vimana COMMAND --help` for a command's options, `vimana --version` for the version.",
  ].join("\n");
}

/** Runs `vimana ARGS…`; returns the exit code. */
export async function runCli(args: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.err : io.out)(mainHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === "--version" || name === "-V") {
    io.out(`vimana ${packageJson.version}`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const suggestion = closest(
      name,
      commands.map((c) => c.name),
    );
    const hint = suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`;
    io.err(`vimana: unknown command "${name}"${hint}\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(
      `vimana ${command.name}: ${error.message}\nRun \`vimana ${command.name} --help\` for usage.`,
    );
    return EXIT_USAGE;
  }
}
