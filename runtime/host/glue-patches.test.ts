import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { patchGlue } from "./glue-patches.ts";
import { ComponentHost, type LogLine } from "./index.ts";
import { type TestComponentName, testComponent, testComponents } from "./testdata/components.ts";
import { transpile } from "./transpile.ts";

type Encode = (
  s: unknown,
  realloc: (old: number, oldSize: number, align: number, size: number) => number,
  memory: { buffer: ArrayBuffer },
) => { ptr: number; len: number; codepoints?: number };

/** Evaluates the glue's `_utf8AllocateAndEncode` with the state it closes over. */
function encoderOf(glue: string): Encode {
  const start = glue.search(/^ {2}(?:let _asciiView|function _utf8AllocateAndEncode)/m);
  const end = glue.indexOf("\n  }\n", start);
  expect(start).toBeGreaterThan(0);
  const helper = glue.slice(start, end + 4);
  return new Function(
    `const TEXT_ENCODER_UTF8 = new TextEncoder();\n${helper}\nreturn _utf8AllocateAndEncode;`,
  )() as Encode;
}

/**
 * A memory like a wasm one (growth detaches the old buffer) but cheap to create, and an allocator
 * that bumps a pointer and grows the memory when asked.
 */
function fakeMemory(options: { growOnAlloc?: boolean; ptr?: number } = {}) {
  const memory = { buffer: new ArrayBuffer(65_536) };
  let next = 8;
  const calls: number[][] = [];
  const realloc = (old: number, oldSize: number, align: number, size: number) => {
    calls.push([old, oldSize, align, size]);
    if (options.growOnAlloc) memory.buffer = memory.buffer.transfer(memory.buffer.byteLength * 2);
    const ptr = options.ptr ?? next;
    next += size;
    return ptr;
  };
  return { memory, realloc, calls };
}

/** What encoding `s` does: its result or error, the allocations asked for, the bytes written. */
function run(encode: Encode, s: unknown, options?: Parameters<typeof fakeMemory>[0]) {
  const { memory, realloc, calls } = fakeMemory(options);
  let outcome: unknown;
  try {
    const result = encode(s, realloc, memory);
    outcome = { ...result, bytes: [...new Uint8Array(memory.buffer, result.ptr, result.len)] };
  } catch (error) {
    outcome = { error: (error as Error).constructor.name, message: (error as Error).message };
  }
  return { outcome, calls };
}

describe("glue patches", () => {
  let unpatched: string;
  let unpatchedJs: string;
  beforeAll(async () => {
    unpatched = (await transpile(await testComponent("adder-wat"), { patchGlue: false })).glue;
    unpatchedJs = (await transpile(await testComponent("adder-js"), { patchGlue: false })).glue;
  });

  test("apply to the glue of every test component, in C, WAT and JavaScript", async () => {
    const withImports: string[] = [];
    for (const name of Object.keys(testComponents) as TestComponentName[]) {
      const bytes = await testComponent(name);
      const { glue } = await transpile(bytes, { patchGlue: false });
      // Only a component with imports has jco's import helper.
      const imports = glue.includes("function _lowerImportBackwardsCompat(");
      if (imports) withImports.push(name);
      expect(patchGlue(glue).applied).toEqual([
        "debug-log",
        "utf8-ascii",
        ...(imports ? ["end-auto-task"] : []),
      ]);
      expect((await transpile(bytes)).glue).toBe(patchGlue(glue).glue);
    }
    expect(withImports).toContain("adder-js");
  });

  test("glue whose helpers changed shape fails loudly; glue without them is left alone", () => {
    const changed = unpatched.replace("if (s.length === 0) {", "if (!s.length) {");
    expect(() => patchGlue(changed)).toThrow(
      "jco's glue changed shape: patch utf8-ascii expects its helper once as written by jco 1.35, found 1 helper(s), 0 matching",
    );
    const logger = unpatched.replace("console.debug(...args);", "console.log(...args);");
    expect(() => patchGlue(logger)).toThrow("patch debug-log expects its helper once");
    const tasks = unpatchedJs.replace(
      "createdTask.resolve([syncRes]); }",
      "createdTask.resolve([syncRes]);}",
    );
    expect(() => patchGlue(tasks)).toThrow("patch end-auto-task expects its helper once");
    expect(patchGlue("export function instantiate() {}")).toEqual({
      glue: "export function instantiate() {}",
      applied: [],
    });
  });

  test("string lowering writes the same bytes, allocates the same, and fails the same", () => {
    const original = encoderOf(unpatched);
    const patched = encoderOf(patchGlue(unpatched).glue);
    const same = (s: unknown, options?: Parameters<typeof fakeMemory>[0]) =>
      expect(run(patched, s, options)).toEqual(run(original, s, options));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "grapheme" }),
          fc.string({ unit: "binary" }),
          fc.string({ unit: fc.constantFrom("a", "é", "\u{1F30D}", "\ud800", "\udc00", "\x7f") }),
        ),
        fc.boolean(),
        (s, growOnAlloc) => same(s, { growOnAlloc }),
      ),
      { numRuns: 1000 },
    );
    for (const s of ["", "user-agent", "naïve", "\u{1F30D}", "a\ud800b"]) same(s);
    for (const s of [undefined, 42, null, { toString: () => "x" }]) same(s);
    // An allocation at or past the end of memory: jco's RangeError.
    same("abc", { ptr: 65_534 });
    same("abc", { ptr: 65_536 });
    same("abc", { ptr: -8 });
  });

  test("the view over memory follows growth between calls", () => {
    const encode = encoderOf(patchGlue(unpatched).glue);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    let next = 8;
    const realloc = (_old: number, _oldSize: number, _align: number, size: number) => {
      next += size;
      return next - size;
    };
    encode("before", realloc, memory);
    memory.grow(1);
    const { ptr, len } = encode("after growth", realloc, memory);
    expect(new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len))).toBe("after growth");
  });
});

describe("patched glue in a component", () => {
  let cacheDir: string;
  const logs: LogLine[] = [];
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "vimana-glue-patches-"));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  test("the JS adder sees ASCII and non-ASCII header strings intact", async () => {
    const host = new ComponentHost({ cacheDir, log: (line) => logs.push(line) });
    const adder = (await host.load(await testComponent("adder-js"))).createPod({ name: "p" });
    const headers: [string, string][] = [
      ["user-agent", "h2load nghttp2/1.59.0"],
      ["x-empty", ""],
      ["x-ünï", "naïve café, 東京, \u{1F30D}"],
      ["x-lone", "a\ud800b"],
      ["x-long", "v".repeat(70_000)],
    ];
    expect(adder.call("add-floats", { headers }, { x: 1, y: 2 })).toEqual({ result: 3 });
    const expected = headers.map(([n, v]) => `${n}=${v.replace("\ud800", "\ufffd")}`).join(", ");
    const stderr = logs
      .filter((l) => l.stream === "stderr")
      .map((l) => l.line)
      .join("");
    expect(stderr).toBe(`headers: ${expected}`);
  });
});
