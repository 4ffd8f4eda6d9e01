// Clients calling a pod without pause while something is swapped underneath it: how many calls
// failed and the longest a client waited between two answers. The hotswap test and bench use it.

export interface CallerReport {
  readonly calls: number;
  /** One message per failed call. */
  readonly failures: readonly string[];
  /** The longest time between two answers of one client (or its start and first answer). */
  readonly longestPauseMs: number;
}

export interface Callers {
  /** Marks the start of a window: longestPauseMs of `stop()` counts from the latest mark on. */
  mark(): void;
  stop(): Promise<CallerReport>;
}

/** `count` loops, each awaiting `call()` again as soon as the previous one settled. */
export function startCallers(count: number, call: () => Promise<void>): Callers {
  let running = true;
  let calls = 0;
  const failures: string[] = [];
  const last: number[] = Array.from({ length: count }, () => performance.now());
  let longestPauseMs = 0;
  const loops = last.map(async (_, i) => {
    while (running) {
      calls += 1;
      try {
        await call();
        const now = performance.now();
        longestPauseMs = Math.max(longestPauseMs, now - (last[i] as number));
        last[i] = now;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  });
  return {
    mark() {
      longestPauseMs = 0;
      last.fill(performance.now());
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return { calls, failures, longestPauseMs };
    },
  };
}
