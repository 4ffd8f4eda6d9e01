// JavaScriptCore options vimanad runs with. JSC reads them from BUN_JSC_* environment variables
// once, before any JavaScript runs, and a compiled executable has no other way to take them
// (no command-line flag, nothing at build time). So when they are not in the environment, the
// process replaces itself (execve: same pid, same stdio and arguments) with them added. main.ts
// imports this module first, so that this happens before the other modules are evaluated.
//
// useWasmFastMemory=0: every WebAssembly memory is a plain bounds-checked allocation instead of
// a multi-GiB virtual reservation guarded by signals. Each pod creates its first instance, so a
// new memory, when its container is created. `bun run bench host`, instance creation: adder-wat
// 302 µs → 60 µs, adder-c 10 ms → 92 µs, adder-js 28 ms → 4 ms; AddFloats calls per second
// and the fuel-metered loop were no slower. Per pod in vimanad (bench cri), StartContainer
// went from ~3.5–4.2 ms to ~1.5 ms and the first call from ~1.8–2.2 ms to ~1.5 ms: freeing and
// mapping the reservations also slowed everything around them.
// An explicit BUN_JSC_useWasmFastMemory in the environment is left as it is.
import { dlopen, ptr } from "bun:ffi";

const options: Readonly<Record<string, string>> = { BUN_JSC_useWasmFastMemory: "0" };

/** Why the options could not be applied, if they could not; for main.ts to log. */
export let engineWarning: string | undefined;

function reexecWithOptions(): void {
  const missing = Object.entries(options).filter(([name]) => process.env[name] === undefined);
  if (missing.length === 0 || process.platform !== "linux") return;
  // A compiled executable's argv is [bun, /$bunfs/root/<name>, ...arguments]; run from source
  // it is [bun, script, ...arguments], after the runtime's own flags.
  const compiled = process.argv[1]?.startsWith("/$bunfs/") ?? false;
  const argv = compiled
    ? [process.argv0, ...process.argv.slice(2)]
    : [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const env = { ...process.env, ...Object.fromEntries(missing) };
  // Every C string stays referenced here until execve has read it.
  const strings: Buffer[] = [];
  const cString = (text: string) => {
    const bytes = Buffer.from(`${text}\0`);
    strings.push(bytes);
    return bytes;
  };
  const pointers = (items: readonly string[]) => {
    const array = new BigUint64Array(items.length + 1); // NULL-terminated
    items.forEach((item, i) => {
      array[i] = BigInt(ptr(cString(item)));
    });
    return array;
  };
  let failure: string;
  try {
    const libc = dlopen("libc.so.6", {
      execve: { args: ["ptr", "ptr", "ptr"], returns: "i32" },
    });
    const path = cString(process.execPath);
    const environment = Object.entries(env).map(([name, value]) => `${name}=${value ?? ""}`);
    // Returns only if it failed.
    libc.symbols.execve(ptr(path), ptr(pointers(argv)), ptr(pointers(environment)));
    failure = `execve ${process.execPath} failed`;
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  const wanted = missing.map(([name, value]) => `${name}=${value}`).join(" ");
  engineWarning = `Running without ${wanted} (${failure}): pod starts are slower`;
}

reexecWithOptions();
