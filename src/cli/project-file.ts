import { statSync } from "node:fs";
import { join, resolve } from "node:path";

export const PROJECT_FILE = "vimana.yaml";

/** PROJECT as given on the command line: a directory means its vimana.yaml. */
export function projectFile(path: string): string {
  const full = resolve(path);
  return statSync(full, { throwIfNoEntry: false })?.isDirectory() ? join(full, PROJECT_FILE) : full;
}
