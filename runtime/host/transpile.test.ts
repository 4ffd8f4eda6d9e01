import { describe, expect, test } from "bun:test";
import { testComponent } from "./testdata/components.ts";
import { asFunctionBody, bindgenSource, transpile } from "./transpile.ts";

describe("transpile", () => {
  test("generates instantiation glue, core modules, and the imports the glue needs", async () => {
    const { glue, coreModules, imports, exports } = await transpile(
      await testComponent("env-echo"),
    );
    expect(glue).toContain("export function instantiate(getCoreModule, imports, instantiateCore");
    expect([...coreModules.keys()]).toContain("component.core.wasm");
    expect(imports).toContain("wasi:cli/environment");
    expect(exports).toEqual(["echoEnv"]);
  });

  test("a component jco rejects gives its error, and the generator keeps working", async () => {
    const truncated = (await testComponent("adder-wat")).subarray(0, 40);
    await expect(transpile(truncated)).rejects.toThrow(/unexpected end-of-file/);
    expect((await transpile(await testComponent("adder-wat"))).exports).toEqual(["addFloats"]);
  });

  test("a jco-transpile whose generator changed shape fails loudly", () => {
    const source = bindgenSource;
    expect(asFunctionBody(source)).toEndWith("return { $init, generate };");
    expect(() => asFunctionBody(source.replace("export const $init", "const $init"))).toThrow(
      "jco-transpile's bindings generator changed shape: expected 2 × /^export const /gm, found 1",
    );
    expect(() => asFunctionBody(`${source}\nconst here = import.meta.url;`)).toThrow(
      `changed shape: "import.meta" remains`,
    );
  });
});
