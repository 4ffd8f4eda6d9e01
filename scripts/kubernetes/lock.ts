import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";

const pollMs = 2000;

function holder(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, "utf8"));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tryAcquire(lockPath: string): boolean {
  try {
    const fd = openSync(lockPath, "wx");
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const pid = holder(lockPath);
    // Left behind by a process that died: take it over.
    if (pid !== undefined && !alive(pid)) rmSync(lockPath, { force: true });
    return false;
  }
}

/** Runs `work` holding a machine-wide lock file (its holder's pid inside); waits for it. */
export async function withBuildLock<T>(
  lockPath: string,
  log: (line: string) => void,
  work: () => Promise<T>,
): Promise<T> {
  let told = false;
  while (!tryAcquire(lockPath)) {
    if (!told) {
      log(`waiting for the build of process ${holder(lockPath) ?? "?"} (${lockPath})…`);
      told = true;
    }
    await Bun.sleep(pollMs);
  }
  try {
    return await work();
  } finally {
    rmSync(lockPath, { force: true });
  }
}
