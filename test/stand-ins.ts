// Recording stand-ins for commands that cannot run here (docker, gcloud, ssh, kops, …): a
// directory to put first on PATH whose every command appends `NAME ARGS…` to a log, fails when
// its line contains one of the |-separated $STANDIN_FAIL, and prints the answer of the first `pattern|answer` line of
// the responses whose pattern its line contains.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StandIns {
  /** Put first on PATH. */
  readonly bin: string;
  /** The calls so far, `NAME ARGS…` each; clears the log. */
  takeCalls(): string[];
  /** Sets the `pattern|answer` lines. */
  respond(lines: readonly string[]): void;
  /** PATH with the stand-ins first; `fail` (patterns split by |) makes matching commands exit 1. */
  env(fail?: string): Record<string, string>;
  remove(): void;
}

export function makeStandIns(names: readonly string[]): StandIns {
  const dir = mkdtempSync(join(tmpdir(), "vimana-standins-"));
  const bin = join(dir, "bin");
  const log = join(dir, "calls");
  const responses = join(dir, "responses");
  mkdirSync(bin);
  writeFileSync(log, "");
  writeFileSync(responses, "");
  const script = `#!/bin/sh
line="$(basename "$0") $*"
printf '%s\\n' "$line" >> ${log}
old_ifs=$IFS; IFS='|'
for fail in \${STANDIN_FAIL:-}; do
  case "$line" in *"$fail"*) echo "stand-in: refused ($fail)" >&2; exit 1 ;; esac
done
IFS=$old_ifs
while IFS='|' read -r pattern answer; do
  case "$line" in *"$pattern"*) printf '%s\\n' "$answer"; exit 0 ;; esac
done < ${responses}
exit 0
`;
  writeFileSync(join(dir, "stand-in"), script);
  chmodSync(join(dir, "stand-in"), 0o755);
  for (const name of names) symlinkSync(join(dir, "stand-in"), join(bin, name));
  return {
    bin,
    takeCalls() {
      const calls = readFileSync(log, "utf8")
        .split("\n")
        .filter((line) => line !== "");
      writeFileSync(log, "");
      return calls;
    },
    respond(lines) {
      writeFileSync(responses, lines.map((line) => `${line}\n`).join(""));
    },
    env(fail) {
      const env: Record<string, string> = { ...(process.env as Record<string, string>) };
      env.PATH = `${bin}:${process.env.PATH}`;
      if (fail === undefined) delete env.STANDIN_FAIL;
      else env.STANDIN_FAIL = fail;
      return env;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
