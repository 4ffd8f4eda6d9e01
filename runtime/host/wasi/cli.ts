// wasi:cli@0.2.x — the pod's environment, stdio into the pod's log, no terminal, and an `exit`
// that ends only the current call.
import { ComponentExit } from "../failures.ts";
import type { LineWriter } from "../log.ts";
import { InputStream, OutputStream } from "./io.ts";

export class TerminalInput {}

export class TerminalOutput {}

export interface CliContext {
  env: readonly (readonly [string, string])[];
  stdout: LineWriter;
  stderr: LineWriter;
}

export function cliInterfaces(context: CliContext) {
  const env = context.env.map(([name, value]): [string, string] => [name, value]);
  const stdin = new InputStream();
  const stdout = new OutputStream(context.stdout);
  const stderr = new OutputStream(context.stderr);
  return {
    "wasi:cli/environment": {
      getEnvironment: (): [string, string][] => env,
      getArguments: (): string[] => [],
      initialCwd: (): undefined => undefined,
    },
    "wasi:cli/exit": {
      exit(status: { tag: "ok" | "err" }): never {
        throw new ComponentExit(status.tag === "ok" ? 0 : 1);
      },
      exitWithCode(code: number): never {
        throw new ComponentExit(code);
      },
    },
    "wasi:cli/stdin": { getStdin: (): InputStream => stdin },
    "wasi:cli/stdout": { getStdout: (): OutputStream => stdout },
    "wasi:cli/stderr": { getStderr: (): OutputStream => stderr },
    "wasi:cli/terminal-input": { TerminalInput },
    "wasi:cli/terminal-output": { TerminalOutput },
    "wasi:cli/terminal-stdin": { getTerminalStdin: (): undefined => undefined },
    "wasi:cli/terminal-stdout": { getTerminalStdout: (): undefined => undefined },
    "wasi:cli/terminal-stderr": { getTerminalStderr: (): undefined => undefined },
  };
}
