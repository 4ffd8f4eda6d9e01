// Running the commands of `restart` and `hotswap`: each step announces itself, each command is
// printed before it runs (and only printed under --dry-run), and a failing step says which one
// failed, why, and what to run to clean up.

/** Shell quoting, so a printed command can be pasted. */
export function shellQuote(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}

export class StepFailed extends Error {
  override readonly name = "StepFailed";
  constructor(
    readonly step: string,
    readonly reason: string,
    readonly cleanup: readonly string[],
  ) {
    super(
      `step "${step}" failed: ${reason}` +
        (cleanup.length > 0
          ? `\nto clean up, run:\n${cleanup.map((c) => `  ${c}`).join("\n")}`
          : ""),
    );
  }
}

export interface RunOptions {
  /** Written to the command's stdin. */
  readonly input?: string;
  /** A failure is returned, not thrown (e.g. deleting what may not exist). */
  readonly mayFail?: boolean;
  readonly cwd?: string;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface StepsOptions {
  /** The command's name, before each line: "restart", "hotswap". */
  readonly prefix: string;
  readonly dryRun: boolean;
  readonly log?: (line: string) => void;
}

/** The steps of one command, run in order, numbered as they start. */
export class Steps {
  private count = 0;
  private current = "";
  private cleanup: readonly string[] = [];
  private readonly log: (line: string) => void;
  private readonly started = performance.now();
  readonly timings: { step: string; ms: number }[] = [];

  constructor(readonly options: StepsOptions) {
    this.log = options.log ?? ((line) => console.log(line));
  }

  get dryRun(): boolean {
    return this.options.dryRun;
  }

  say(line: string): void {
    this.log(`${this.options.prefix}: ${line}`);
  }

  /**
   * Runs `body` as a numbered step; a failure inside becomes a StepFailed naming the step and
   * `cleanup`, the commands that undo what was done so far.
   */
  async step<T>(name: string, cleanup: readonly string[], body: () => Promise<T>): Promise<T> {
    this.count += 1;
    this.current = name;
    this.cleanup = cleanup;
    this.say(`[${this.count}] ${name}`);
    const started = performance.now();
    try {
      const result = await body();
      this.timings.push({ step: name, ms: performance.now() - started });
      return result;
    } catch (error) {
      if (error instanceof StepFailed) throw error;
      throw new StepFailed(name, error instanceof Error ? error.message : String(error), cleanup);
    }
  }

  /** Fails the current step with `reason`. */
  fail(reason: string): never {
    throw new StepFailed(this.current, reason, this.cleanup);
  }

  /** Prints `argv`, runs it (unless dry-run) and returns its output; non-zero exit fails the step. */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    this.log(`  $ ${shellQuote(argv)}${options.input === undefined ? "" : " < (generated input)"}`);
    if (this.dryRun) return { code: 0, stdout: "", stderr: "" };
    const [file, ...args] = argv as [string, ...string[]];
    let child: ReturnType<typeof Bun.spawn<"pipe", "pipe", "pipe">>;
    try {
      child = Bun.spawn([file, ...args], {
        cwd: options.cwd,
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
      });
    } catch (error) {
      return this.fail(`cannot run ${file}: ${(error as Error).message}`);
    }
    if (options.input !== undefined) child.stdin.write(options.input);
    await child.stdin.end();
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    if (code !== 0 && options.mayFail !== true) {
      const detail = (stderr.trim() || stdout.trim()).split("\n").slice(-15).join("\n");
      this.fail(`\`${shellQuote(argv)}\` exited with ${code}${detail ? `:\n${detail}` : ""}`);
    }
    return { code, stdout, stderr };
  }

  /** Milliseconds since these steps started. */
  elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** One line per step with its duration, and the total. */
  printTimings(): void {
    for (const { step, ms } of this.timings)
      this.say(`  ${(ms / 1000).toFixed(2).padStart(7)} s  ${step}`);
    this.say(`  ${(this.elapsedMs() / 1000).toFixed(2).padStart(7)} s  in all`);
  }
}
