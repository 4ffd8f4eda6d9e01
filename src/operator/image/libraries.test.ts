import { expect, test } from "bun:test";
import { parseLdd, sharedLibraries } from "./libraries.ts";

test("ldd output: libraries and the loader", () => {
  const output = `\tlinux-vdso.so.1 (0x00007ffd)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
\tlibpthread.so.0 => /lib/x86_64-linux-gnu/libpthread.so.0 (0x00007f)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f)`;
  expect(parseLdd(output)).toEqual([
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/x86_64-linux-gnu/libpthread.so.0",
    "/lib64/ld-linux-x86-64.so.2",
  ]);
});

test("the Bun executable needs glibc", () => {
  expect(sharedLibraries(process.execPath).some((path) => /libc\.so/.test(path))).toBe(true);
});
