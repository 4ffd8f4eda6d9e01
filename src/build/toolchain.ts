import { existsSync } from "node:fs";

/** A Debian package a build or test needs, and how to tell it is installed. */
export interface Prerequisite {
  debianPackage: string;
  /** What it provides, for messages. */
  provides: string;
  installed(): boolean;
}

/** clang 14 from Debian: its wasm32 builtins ship in a versioned package. */
const CLANG_RESOURCE_DIR = "/usr/lib/llvm-14/lib/clang/14.0.6";

/** What `clang --target=wasm32-wasi` needs to compile and link a C component. */
export const cToolchain: readonly Prerequisite[] = [
  { debianPackage: "clang", provides: "clang", installed: () => Bun.which("clang") !== null },
  { debianPackage: "lld", provides: "wasm-ld", installed: () => Bun.which("wasm-ld") !== null },
  {
    debianPackage: "wasi-libc",
    provides: "the wasm32-wasi C library",
    installed: () => existsSync("/usr/lib/wasm32-wasi/libc.a"),
  },
  {
    debianPackage: "libclang-rt-14-dev-wasm32",
    provides: "clang's wasm32 builtins",
    installed: () => existsSync(`${CLANG_RESOURCE_DIR}/lib/wasi/libclang_rt.builtins-wasm32.a`),
  },
];

/** The prerequisites of `list` that are missing. */
export function missing(list: readonly Prerequisite[]): Prerequisite[] {
  return list.filter((p) => !p.installed());
}

/** The exact command that installs `list`. */
export function installCommand(list: readonly Prerequisite[]): string {
  return `apt-get install -y ${list.map((p) => p.debianPackage).join(" ")}`;
}
