// What every subcommand of `vimana` is, and how it reports bad arguments.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { closest } from "../suggest/index.ts";

/** Where a command writes: standard output for results, standard error for problems. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Command {
  name: string;
  /** One line for `vimana --help`. */
  summary: string;
  /** The command's `--help` text. */
  help: string;
  /** Returns the exit code; throws a `UsageError` for bad arguments. */
  run(args: string[], io: Io): Promise<number>;
}

/** Arguments the command cannot make sense of: exit code 2 and the usage line. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `parseArgs` with positionals, strict about options: an unknown one is a UsageError that names
 * the closest known option.
 */
export function strictArgs<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '(-[^']*)'/.exec(message)?.[1];
    if (unknown === undefined) throw new UsageError(message);
    const known = Object.entries(options).flatMap(([name, option]) => [
      `--${name}`,
      ...(option.short ? [`-${option.short}`] : []),
    ]);
    const suggestion = closest(unknown.split("=")[0] as string, [...known, "--help"]);
    throw new UsageError(
      `Unknown option '${unknown}'${suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`}`,
    );
  }
}
