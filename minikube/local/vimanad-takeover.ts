// Replacing the cluster's vimanad with another executable while every pod keeps serving: the new
// process starts with the running one's flags and --takeover (docs/vimanad.md, "Takeover").
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { readClusterState, writeClusterState } from "./cluster.ts";
import { isAlive, logPath, logTail, recordPid, runningPid, startProcess } from "./processes.ts";

const takeoverTimeoutMs = 90_000;
const pollMs = 20;

export interface TakeoverResult {
  readonly pid: number;
  /** From the start of the new process to its "Took over" (every pod served by it). */
  readonly servingMs: number;
  /** From the start of the new process until the old one has exited. */
  readonly oldExitedMs: number;
}

function readFrom(path: string, offset: number): string {
  const fd = openSync(path, "r");
  try {
    const size = statSync(path).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Starts `executable` as the cluster's vimanad with --takeover and waits until it has taken over. */
export async function takeOverVimanad(
  stateDir: string,
  executable: string,
): Promise<TakeoverResult> {
  const state = readClusterState(stateDir);
  if (state === undefined) throw new Error(`no local cluster in ${stateDir}`);
  const old = runningPid(stateDir, "vimanad");
  if (old === undefined) throw new Error(`vimanad of the cluster in ${stateDir} does not run`);
  const [, ...flags] = state.vimanadCommand;
  const command = [executable, ...flags.filter((flag) => flag !== "--takeover"), "--takeover"];
  const log = logPath(stateDir, "vimanad");
  const offset = statSync(log).size;
  const started = performance.now();
  const pid = startProcess(stateDir, "vimanad", command);
  let servingMs: number | undefined;
  while (servingMs === undefined) {
    const lines = readFrom(log, offset);
    if (lines.includes('"msg":"Took over from the previous vimanad"')) {
      servingMs = performance.now() - started;
    } else if (!isAlive(pid) || performance.now() - started > takeoverTimeoutMs) {
      // The old one serves on: it stays the cluster's vimanad.
      if (isAlive(pid)) process.kill(pid, "SIGKILL");
      recordPid(stateDir, "vimanad", old);
      throw new Error(
        `the new vimanad (${executable}) did not take over${isAlive(old) ? "; the old one serves on" : ""}\n${logTail(stateDir, "vimanad")}`,
      );
    } else {
      await Bun.sleep(pollMs);
    }
  }
  while (isAlive(old)) {
    if (performance.now() - started > takeoverTimeoutMs) {
      throw new Error(`the old vimanad (pid ${old}) is still running after the takeover`);
    }
    await Bun.sleep(pollMs);
  }
  await writeClusterState({ ...state, vimanadCommand: command });
  return { pid, servingMs, oldExitedMs: performance.now() - started };
}
