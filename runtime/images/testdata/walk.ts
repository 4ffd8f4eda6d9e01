// ref §6.2's verifyFsUsage, done by find(1) rather than by the code under test.

/** All files' sizes, and every directory except the root plus every file. */
export function walkUsage(root: string): { bytes: number; inodes: number } {
  const find = Bun.spawnSync(["find", root, "-mindepth", "1", "-printf", "%y %s\\n"]);
  if (!find.success) throw new Error(`find ${root} failed: ${find.stderr}`);
  let bytes = 0;
  let inodes = 0;
  for (const line of find.stdout.toString().split("\n")) {
    if (line === "") continue;
    const [type, size] = line.split(" ");
    inodes += 1;
    if (type !== "d") bytes += Number(size);
  }
  return { bytes, inodes };
}

/** Every path under `root`, relative, sorted. */
export function listTree(root: string): string[] {
  const find = Bun.spawnSync(["find", root, "-mindepth", "1", "-printf", "%P\\n"]);
  if (!find.success) throw new Error(`find ${root} failed: ${find.stderr}`);
  return find.stdout.toString().split("\n").filter(Boolean).sort();
}
