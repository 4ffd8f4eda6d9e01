// Stopping everything a cluster started, in dependency order, and leaving nothing behind: no
// process, no mount under the state directory, no bridge.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { killProcessSync, recordedProcesses, stopProcess } from "./processes.ts";

// Consumers first, so nothing restarts or recreates what is being stopped.
const stopOrder = [
  "kubelet",
  "kube-scheduler",
  "kube-controller-manager",
  "vimanad",
  "containerd",
  "registry",
  "kube-apiserver",
  "etcd",
];

function ordered(stateDir: string): string[] {
  const recorded = recordedProcesses(stateDir);
  const rank = (name: string) => {
    const index = stopOrder.indexOf(name);
    return index === -1 ? -1 : index;
  };
  return recorded.sort((a, b) => rank(a) - rank(b));
}

/** This process and its ancestors: `bun run cluster down --state-dir DIR` mentions DIR too. */
function ourselves(): Set<number> {
  const pids = new Set<number>();
  for (let pid = process.pid; pid > 1 && !pids.has(pid); ) {
    pids.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      break;
    }
  }
  return pids;
}

/** Pids of processes whose command line mentions `stateDir` (containerd's shims, pods). */
function strays(stateDir: string): number[] {
  const found: number[] = [];
  const excluded = ourselves();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || excluded.has(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(stateDir)) found.push(pid);
    } catch {
      // Exited meanwhile.
    }
  }
  return withDescendants(found);
}

/** `pids` and every process below them (a shim's containers do not name the state dir). */
function withDescendants(pids: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), pid]);
    } catch {
      // Exited meanwhile.
    }
  }
  const all = new Set<number>();
  const visit = (pid: number) => {
    if (all.has(pid)) return;
    all.add(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  for (const pid of pids) visit(pid);
  return [...all];
}

/** Mount points at or under `stateDir`, deepest first. */
function mountsUnder(stateDir: string): string[] {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => point !== undefined)
    .map((point) => point.replace(/\\040/g, " "))
    .filter((point) => point === stateDir || point.startsWith(`${stateDir}/`));
  return [...new Set(mounts)].sort((a, b) => b.length - a.length);
}

function unmountAll(stateDir: string): void {
  for (const point of mountsUnder(stateDir)) spawnSync("umount", ["-l", point]);
}

function killStrays(stateDir: string): void {
  for (const pid of strays(stateDir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
}

/**
 * Network links the cluster made (the bridge of ordinary pods, the dummy interface of Vimana
 * pods), one name a line in `<state>/links`, written before each link exists.
 */
export function linksFile(stateDir: string): string {
  return join(stateDir, "links");
}

function deleteLinks(stateDir: string): void {
  const file = linksFile(stateDir);
  if (!existsSync(file)) return;
  for (const name of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
    spawnSync("ip", ["link", "delete", name], { stdio: "ignore" });
  }
  rmSync(file, { force: true });
}

/**
 * Stops every recorded process (SIGTERM, then SIGKILL), kills what they left running, unmounts
 * and, when `remove`, deletes the state directory.
 */
export async function stopAll(
  stateDir: string,
  options: {
    remove: boolean;
    beforeContainerd?: () => Promise<void>;
  },
): Promise<void> {
  if (!existsSync(stateDir)) return;
  for (const name of ordered(stateDir)) {
    if (name === "containerd") await options.beforeContainerd?.();
    await stopProcess(stateDir, name);
  }
  killStrays(stateDir);
  deleteLinks(stateDir);
  unmountAll(stateDir);
  if (options.remove) await rm(stateDir, { recursive: true, force: true });
}

/** The same, synchronously and without grace: for exit handlers. */
export function killAllSync(stateDir: string): void {
  if (!existsSync(stateDir)) return;
  for (const name of ordered(stateDir)) killProcessSync(stateDir, name);
  killStrays(stateDir);
  deleteLinks(stateDir);
  unmountAll(stateDir);
  try {
    rmSync(stateDir, { recursive: true, force: true });
  } catch {
    // A mount that would not go away: leave the directory rather than fail the exit.
  }
}
