import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { isNotFound } from "./files.ts";

/** Disk used by the store, as ImageFsInfo reports it. */
export interface FilesystemUsage {
  /** The sizes of all files. */
  bytes: number;
  /** Every file and directory (the root itself not included). */
  inodes: number;
}

/** The usage of `path` and everything under it (a directory counts as one inode, no bytes). */
export async function measure(path: string): Promise<FilesystemUsage> {
  const stats = await lstat(path);
  if (!stats.isDirectory()) return { bytes: stats.size, inodes: 1 };
  const inside = await measureContents(path);
  return { bytes: inside.bytes, inodes: inside.inodes + 1 };
}

/** Like {@link measure}, or undefined if nothing is at `path`. */
export async function measureIfPresent(path: string): Promise<FilesystemUsage | undefined> {
  try {
    return await measure(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The usage of everything under `dir`, `dir` itself not counted. */
export async function measureContents(dir: string): Promise<FilesystemUsage> {
  const total = { bytes: 0, inodes: 0 };
  for (const name of await readdir(dir)) {
    const { bytes, inodes } = await measure(join(dir, name));
    total.bytes += bytes;
    total.inodes += inodes;
  }
  return total;
}
