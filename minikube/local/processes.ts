// Processes of the local cluster: started detached (they outlive `cluster up`), output to
// `<state>/logs/<name>.log`, pid in `<state>/pids/<name>.pid`; stopped by pid file.
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

const stopGraceMs = 10_000;
const pollMs = 50;

export function logPath(stateDir: string, name: string): string {
  return join(stateDir, "logs", `${name}.log`);
}

function pidPath(stateDir: string, name: string): string {
  return join(stateDir, "pids", `${name}.pid`);
}

/** The tail of a process's log, for error messages. */
export function logTail(stateDir: string, name: string, lines = 30): string {
  const path = logPath(stateDir, name);
  if (!existsSync(path)) return `(no log at ${path})`;
  const text = readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  return `--- last ${lines} lines of ${path} ---\n${text}`;
}

/** Whether `pid` runs (a zombie does not count: it has exited, only nobody reaped it yet). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Starts `command` detached, appending to its log, and records its pid. */
export function startProcess(
  stateDir: string,
  name: string,
  command: readonly string[],
  env: Record<string, string | undefined> = process.env,
): number {
  mkdirSync(join(stateDir, "logs"), { recursive: true });
  mkdirSync(join(stateDir, "pids"), { recursive: true });
  const fd = openSync(logPath(stateDir, name), "a");
  try {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: stateDir,
      env,
      detached: true,
      stdio: ["ignore", fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name}: ${file}`);
    child.unref();
    writeFileSync(pidPath(stateDir, name), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Records `pid` as `name`'s (a process that took over from the one recorded). */
export function recordPid(stateDir: string, name: string, pid: number): void {
  writeFileSync(pidPath(stateDir, name), `${pid}\n`);
}

/** The pid recorded for `name`, if that process still runs. */
export function runningPid(stateDir: string, name: string): number | undefined {
  const path = pidPath(stateDir, name);
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** Names of every process with a pid file, running or not. */
export function recordedProcesses(stateDir: string): string[] {
  const dir = join(stateDir, "pids");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(".pid"))
    .map((file) => file.slice(0, -".pid".length));
}

/** SIGTERM, SIGKILL after a grace period, wait until gone, remove the pid file. */
export async function stopProcess(stateDir: string, name: string): Promise<void> {
  const pid = runningPid(stateDir, name);
  if (pid !== undefined) {
    signal(pid, "SIGTERM");
    const deadline = Date.now() + stopGraceMs;
    while (isAlive(pid)) {
      if (Date.now() > deadline) signal(pid, "SIGKILL");
      await Bun.sleep(pollMs);
    }
  }
  rmSync(pidPath(stateDir, name), { force: true });
}

/** SIGKILL without waiting: for exit handlers, which cannot wait. */
export function killProcessSync(stateDir: string, name: string): void {
  const pid = runningPid(stateDir, name);
  if (pid !== undefined) signal(pid, "SIGKILL");
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}
