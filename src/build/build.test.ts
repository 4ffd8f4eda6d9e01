import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildComponent, buildComponentCached, type ComponentSource } from "./index.ts";

const adderDir = join(import.meta.dir, "../../examples/adder");
let dir: string;
let spec: ComponentSource;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vimana-build-"));
  for (const file of ["adder.wat", "adder.wit", "adder.c", "adder_service.c", "adder_service.h"]) {
    await copyFile(join(adderDir, file), join(dir, file));
  }
  spec = {
    language: "wat",
    sources: [join(dir, "adder.wat")],
    witPath: join(dir, "adder.wit"),
    world: "adder-service",
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("buildComponentCached", () => {
  test("rebuilds only when an input changes", async () => {
    const out = join(dir, "out.wasm");
    expect(await buildComponentCached(spec, out)).toEqual({ rebuilt: true });
    expect(await buildComponentCached(spec, out)).toEqual({ rebuilt: false });

    const wat = await Bun.file(join(dir, "adder.wat")).text();
    await Bun.write(join(dir, "adder.wat"), `${wat}\n;; edited\n`);
    expect(await buildComponentCached(spec, out)).toEqual({ rebuilt: true });

    const wit = await Bun.file(join(dir, "adder.wit")).text();
    await Bun.write(join(dir, "adder.wit"), `${wit}\n// edited\n`);
    expect(await buildComponentCached(spec, out)).toEqual({ rebuilt: true });
    expect(await buildComponentCached(spec, out)).toEqual({ rebuilt: false });
  });

  test("rebuilds when the output was deleted", async () => {
    const out = join(dir, "deleted.wasm");
    await buildComponentCached(spec, out);
    await rm(out);
    expect(await buildComponentCached(spec, out)).toEqual({ rebuilt: true });
    expect(await Bun.file(out).exists()).toBe(true);
  });
});

describe("build errors name the file and the position", () => {
  test("broken WAT", async () => {
    const broken = join(dir, "broken.wat");
    await Bun.write(broken, '(module\n  (func (export "add-floats") (param i32) (reslt f32))\n)\n');
    const error = await buildComponent({ ...spec, sources: [broken] }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`${broken}:2:`);
  });

  test("WAT whose exports do not match the world", async () => {
    const wrong = join(dir, "wrong.wat");
    await Bun.write(
      wrong,
      '(module (func (export "add-floats") (param i32) (result f32) f32.const 1))\n',
    );
    const error = await buildComponent({ ...spec, sources: [wrong] }).catch((e: Error) => e);
    expect((error as Error).message).toContain(join(dir, "adder.wit"));
    expect((error as Error).message).toContain("add-floats");
  });

  test("a WAT type error points at the function in the .wat, not at a component offset", async () => {
    const wat = await Bun.file(join(dir, "adder.wat")).text();
    const wrong = join(dir, "type-error.wat");
    await Bun.write(
      wrong,
      wat.replace(
        "(f32.add (local.get $x) (local.get $y))",
        "(i32.add (local.get $x) (local.get $y))",
      ),
    );
    const error = await buildComponent({ ...spec, sources: [wrong] }).catch((e: Error) => e);
    const line = wat.split("\n").findIndex((l) => l.includes('(func (export "add-floats")')) + 1;
    expect((error as Error).message).toBe(
      `${wrong}:${line}:3: I32Add left value type mismatch (in this function)`,
    );
  });

  test("unknown world", async () => {
    const error = await buildComponent({ ...spec, world: "no-such-world" }).catch((e: Error) => e);
    expect((error as Error).message).toContain("no-such-world");
  });

  test("broken C", async () => {
    const broken = join(dir, "broken.c");
    await Bun.write(broken, '#include "adder_service.h"\nint f( { return 1; }\n');
    const error = await buildComponent({ ...spec, language: "c", sources: [broken] }).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toContain("clang failed");
    expect((error as Error).message).toContain(`${broken}:2:`);
  });

  test("a WAT build takes exactly one source", async () => {
    const error = await buildComponent({ ...spec, sources: [] }).catch((e: Error) => e);
    expect((error as Error).message).toBe("a WAT component has exactly one source, got 0");
  });

  test("broken JS", async () => {
    const broken = join(dir, "broken.js");
    await Bun.write(broken, "export function addFloats(ctx, request) { return { result: 1 + ; }\n");
    const error = await buildComponent({ ...spec, language: "js", sources: [broken] }).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toBe(
      `${broken}:1:64: SyntaxError: expected expression, got ';'`,
    );
  });

  test("a JS build takes exactly one source, the module", async () => {
    const sources = [join(dir, "a.js"), join(dir, "b.js")];
    const error = await buildComponent({ ...spec, language: "js", sources }).catch((e: Error) => e);
    expect((error as Error).message).toBe("a JS component has exactly one source, got 2");
  });
});
