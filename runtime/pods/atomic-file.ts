// Whole-file writes that a crash cannot tear: the bytes go to a temporary file beside the target,
// are flushed to disk, and the temporary file is renamed over the target. A reader sees the old
// contents or the new, never a mix; after a power loss, never an empty file.
import { open, rename, unlink } from "node:fs/promises";

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await open(temporary, "w", 0o600);
  try {
    await file.writeFile(data);
    await file.datasync();
  } finally {
    await file.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}
