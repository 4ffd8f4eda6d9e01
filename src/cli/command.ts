// What every subcommand of `vimana` is, and how it reports bad arguments.

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
