import { mkdtempSync } from "node:fs";
import { join } from "node:path";

/**
 * A fresh state directory under /tmp: short, because containerd's and vimanad's sockets live
 * inside it and a Unix socket path holds at most 107 bytes.
 */
export function freshStateDir(what: string): string {
  return mkdtempSync(join("/tmp", `vimana-${what}-`));
}
