// The shared libraries an executable loads, as `ldd` lists them: a Bun executable is
// dynamically linked against glibc, so the image carries those files (and the loader) itself.

export interface ImageFile {
  /** Path on this machine. */
  source: string;
  /** Absolute path inside the image. */
  target: string;
  mode: number;
}

/** Parses `ldd` output: `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` and the loader. */
export function parseLdd(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split("\n")) {
    const arrow = /=>\s*(\/\S+)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    const path = arrow?.[1] ?? bare?.[1];
    if (path) paths.add(path);
  }
  return [...paths];
}

export function sharedLibraries(executable: string): string[] {
  const result = Bun.spawnSync(["ldd", executable], { stdout: "pipe", stderr: "pipe" });
  const output = result.stdout.toString();
  if (result.exitCode !== 0) {
    // A static executable: ldd says so and fails; it needs nothing else.
    if (/not a dynamic executable|statically linked/.test(`${output}${result.stderr}`)) return [];
    throw new Error(`ldd ${executable} failed: ${result.stderr.toString().trim()}`);
  }
  return parseLdd(output);
}
