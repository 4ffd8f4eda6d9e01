// The `vimana` command: a table of subcommands, each with its own usage and `--help`.
import { type Command, EXIT_USAGE, type Io, UsageError } from "./command.ts";
import { compileCommand } from "./compile.ts";
import { devCommand } from "./dev.ts";
import { pushCommand } from "./push.ts";

const commands: readonly Command[] = [compileCommand, devCommand, pushCommand];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: vimana COMMAND [ARGS…]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `vimana COMMAND --help` for a command's options.",
  ].join("\n");
}

/** Runs `vimana ARGS…`; returns the exit code. */
export async function runCli(args: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.err : io.out)(mainHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`vimana: unknown command "${name}"\n\n${mainHelp()}`);
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
