import { describe, expect, test } from "bun:test";
import { parse } from "@bytecodealliance/jco";
import { ByteReader } from "./bytes.ts";
import { capMemory, instrument, limitsImport } from "./instrument.ts";
import { testComponent } from "./testdata/components.ts";
import { transpile } from "./transpile.ts";

interface Limits {
  fuel: WebAssembly.Global;
  growFailed: WebAssembly.Global;
}

function limits(fuel: number): Limits & { imports: Record<string, WebAssembly.Global> } {
  const fuelGlobal = new WebAssembly.Global({ value: "i32", mutable: true }, fuel);
  const growFailed = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
  return {
    fuel: fuelGlobal,
    growFailed,
    imports: {
      [limitsImport.fuel]: fuelGlobal,
      [limitsImport.growFailed]: growFailed,
      [limitsImport.scratch]: new WebAssembly.Global({ value: "i32", mutable: true }, 0),
    },
  };
}

async function instantiate(
  wasm: Uint8Array,
  fuel: number,
  imports: Bun.WebAssembly.Imports = {},
): Promise<Limits & { exports: Record<string, unknown> }> {
  const l = limits(fuel);
  const module = await WebAssembly.compile(instrument(wasm));
  const instance = new WebAssembly.Instance(module, {
    ...imports,
    [limitsImport.module]: l.imports,
  });
  return { ...l, exports: instance.exports as Record<string, unknown> };
}

const loop = await parse(`(module
  (func $leaf)
  (func (export "run") (param $n i32)
    (local $i i32)
    (loop $again
      (call $leaf)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))))`);

describe("fuel", () => {
  test("one unit per function entry and per loop iteration", async () => {
    const { exports, fuel } = await instantiate(loop, 1000);
    (exports.run as (n: number) => void)(10);
    // run's entry, then 10 iterations that each also enter $leaf.
    expect(fuel.value).toBe(1000 - 21);
  });

  test("a call traps when fuel goes negative, not before", async () => {
    const exact = await instantiate(loop, 21);
    (exact.exports.run as (n: number) => void)(10);
    expect(exact.fuel.value).toBe(0);

    const short = await instantiate(loop, 20);
    expect(() => (short.exports.run as (n: number) => void)(10)).toThrow(WebAssembly.RuntimeError);
    expect(short.fuel.value).toBe(-1);
  });

  test("recursion without loops is charged at each entry", async () => {
    const recursive = await parse(`(module
      (func $down (export "down") (param $n i32)
        (if (local.get $n) (then (call $down (i32.sub (local.get $n) (i32.const 1)))))))`);
    const { exports, fuel } = await instantiate(recursive, 100);
    (exports.down as (n: number) => void)(9);
    expect(fuel.value).toBe(90);
  });
});

describe("the module's own globals keep working", () => {
  test("imported and defined globals, exports and constant expressions are renumbered", async () => {
    const wasm = await parse(`(module
      (import "env" "base" (global $base i32))
      (import "env" "table" (table 4 funcref))
      (global $counter (mut i32) (i32.const 40))
      (global $copy i32 (global.get $base))
      (global $exported (export "exported") (mut i64) (i64.const 7))
      (memory 1)
      (data (global.get $base) "\\2a")
      (elem (global.get $base) $one)
      (func $one (result i32) (i32.const 1))
      (func (export "bump") (result i32)
        (global.set $counter (i32.add (global.get $counter) (i32.const 2)))
        (global.get $counter))
      (func (export "copy") (result i32) (global.get $copy))
      (func (export "byte") (result i32) (i32.load8_u (global.get $base)))
      (func (export "indirect") (result i32) (call_indirect (result i32) (global.get $base))))`);
    const table = new WebAssembly.Table({ initial: 4, element: "anyfunc" });
    const { exports } = await instantiate(wasm, 1000, { env: { base: 3, table } });
    const call = (name: string) => (exports[name] as () => number)();
    expect(call("bump")).toBe(42);
    expect(call("bump")).toBe(44);
    expect(call("copy")).toBe(3);
    expect(call("byte")).toBe(42);
    expect(call("indirect")).toBe(1);
    expect((exports.exported as WebAssembly.Global).value).toBe(7n);
  });

  test("the name section's global names follow", async () => {
    const wasm = await parse("(module (global $mine (mut i32) (i32.const 0)))");
    const module = await WebAssembly.compile(instrument(wasm));
    const [names] = WebAssembly.Module.customSections(module, "name");
    const r = new ByteReader(new Uint8Array(names ?? new ArrayBuffer(0)));
    const globalNames = new Map<number, string>();
    while (!r.done) {
      const id = r.byte();
      const end = r.u32() + r.offset;
      if (id === 7) {
        for (let count = r.u32(); count > 0; count--) globalNames.set(r.u32(), r.name());
      }
      r.offset = end;
    }
    // Defined globals follow the three imported limit globals.
    expect(globalNames).toEqual(new Map([[3, "mine"]]));
  });
});

describe("memory", () => {
  const grower = parse(`(module
    (memory 1 4)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);

  test("a failed memory.grow sets the flag and still returns -1", async () => {
    const { exports, growFailed } = await instantiate(await grower, 1000);
    const grow = exports.grow as (pages: number) => number;
    expect(grow(1)).toBe(1);
    expect(growFailed.value).toBe(0);
    expect(grow(5)).toBe(-1);
    expect(growFailed.value).toBe(1);
  });

  test("capMemory lowers the declared maximum, and keeps a smaller one", async () => {
    const unbounded = await parse(`(module
      (memory 1)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);
    const capped = new WebAssembly.Instance(
      await WebAssembly.compile(capMemory(unbounded, 3 * 65536 + 100)),
    ).exports.grow as (pages: number) => number;
    expect(capped(2)).toBe(1);
    expect(capped(1)).toBe(-1);

    const own = new WebAssembly.Instance(
      await WebAssembly.compile(capMemory(await grower, 64 * 65536)),
    ).exports.grow as (pages: number) => number;
    expect(own(4)).toBe(-1);
    expect(own(3)).toBe(1);
  });

  test("capMemory makes memories shared, defined and imported alike, so a grow never copies", async () => {
    const owner = await parse(`(module
      (memory (export "memory") 1)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);
    const user = await parse(`(module
      (import "owner" "memory" (memory 1))
      (func (export "size") (result i32) (memory.size)))`);
    const cap = 2048 * 65536;
    const ownerExports = new WebAssembly.Instance(await WebAssembly.compile(capMemory(owner, cap)))
      .exports as { memory: WebAssembly.Memory; grow: (pages: number) => number };
    expect(ownerExports.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const size = new WebAssembly.Instance(await WebAssembly.compile(capMemory(user, cap)), {
      owner: { memory: ownerExports.memory },
    }).exports.size as () => number;
    // One page at a time to the cap: in place, where an unshared memory is copied each time.
    let grown = 0;
    while (ownerExports.grow(1) !== -1) grown++;
    expect(grown).toBe(2047);
    expect(size()).toBe(2048);
  });

  test("capMemory refuses a memory whose minimum is above the cap", async () => {
    const big = await parse("(module (memory 20))");
    expect(() => capMemory(big, 16 * 65536)).toThrow(
      "memory 0 needs at least 20 pages (1.25 MiB), above the memory cap of 16 pages (1 MiB)",
    );
  });
});

describe("decoding", () => {
  /** A module whose only function body is `body` (no locals), followed by `end`. */
  function moduleWithBody(body: number[]): Uint8Array {
    const code = [0x00, ...body, 0x0b];
    return Uint8Array.from([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...[0x01, 0x04, 0x01, 0x60, 0x00, 0x00], // type: () -> ()
      ...[0x03, 0x02, 0x01, 0x00], // function 0 has type 0
      ...[0x0a, code.length + 2, 0x01, code.length, ...code],
    ]);
  }

  test("an opcode it does not know fails loudly, naming it and where", () => {
    expect(() => instrument(moduleWithBody([0xfb, 0x00]))).toThrow(
      "function 0 at byte 23: unknown opcode 0xfb (GC proposal)",
    );
    expect(() => instrument(moduleWithBody([0x01, 0xc5]))).toThrow(
      "function 0 at byte 24: unknown opcode 0xc5",
    );
    expect(() => instrument(moduleWithBody([0xfc, 0x12]))).toThrow("unknown opcode 0xfc 18");
  });

  test("bulk memory, saturating truncation, sign extension and SIMD pass through", async () => {
    const wasm = await parse(`(module
      (memory 1)
      (func (export "f") (param f32) (result i32)
        (memory.fill (i32.const 0) (i32.const 1) (i32.const 16))
        (memory.copy (i32.const 16) (i32.const 0) (i32.const 16))
        (v128.store (i32.const 32)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
            (v128.load (i32.const 0)) (v128.const i32x4 1 2 3 4)))
        (i32.add
          (i32.extend8_s (i32.trunc_sat_f32_s (local.get 0)))
          (i8x16.extract_lane_u 3 (v128.load (i32.const 32))))))`);
    const { exports } = await instantiate(wasm, 1000);
    expect((exports.f as (x: number) => number)(2.9)).toBe(3);
  });

  test("the core modules real toolchains produce are rewritten into valid modules", async () => {
    const built = await Promise.all(
      (["logger", "adder-js"] as const).map(async (name) => transpile(await testComponent(name))),
    );
    const modules = built.flatMap((t) => [...t.coreModules.values()]);
    // wasi-libc with the preview1 adapter (C), and SpiderMonkey (componentize-js).
    expect(modules.length).toBeGreaterThanOrEqual(8);
    for (const module of modules) expect(WebAssembly.validate(instrument(module))).toBe(true);
  });
});
