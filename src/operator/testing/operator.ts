// The operator under test: in this process (a manager with its log captured) or as a separate
// `bun src/operator/main.ts` process, for leader election and kill tests.
import { join } from "node:path";
import type { KubeClient } from "../client/index.ts";
import type { Logger } from "../runtime/log.ts";
import { type Manager, startManager } from "../runtime/manager.ts";

export interface InProcessOperator {
  manager: Manager;
  lines: string[];
  stop(): Promise<void>;
}

export function captureLogger(lines: string[]): Logger {
  const add = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
    if (process.env.VIMANA_OPERATOR_TEST_LOG) {
      process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
    }
  };
  return { info: add("INFO"), warn: add("WARN"), error: add("ERROR") };
}

export function startInProcess(
  client: KubeClient,
  options: { workers?: number; resyncMs?: number } = {},
): InProcessOperator {
  const lines: string[] = [];
  const manager = startManager({
    client,
    log: captureLogger(lines),
    workers: options.workers ?? 4,
    resyncMs: options.resyncMs ?? 600_000,
    healthAddress: "127.0.0.1:0",
    metricsAddress: "127.0.0.1:0",
  });
  return { manager, lines, stop: () => manager.stop() };
}

export interface OperatorProcess {
  process: ReturnType<typeof Bun.spawn>;
  output: () => string;
  stop(): Promise<void>;
}

const main = join(import.meta.dir, "..", "main.ts");

/** Runs `src/operator/main.ts` with Bun, or `executable` (a compiled dist/vimana-operator). */
export function spawnOperator(args: string[], executable?: string): OperatorProcess {
  let output = "";
  const command = executable ? [executable, ...args] : [process.execPath, main, ...args];
  const child = Bun.spawn(command, {
    stdout: "pipe",
    stderr: "pipe",
  });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  void collect(child.stdout);
  void collect(child.stderr);
  return {
    process: child,
    output: () => output,
    async stop() {
      child.kill("SIGKILL");
      await child.exited;
    },
  };
}
