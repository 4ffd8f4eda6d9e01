import { describe, expect, test } from "bun:test";
import { readComponentInterface } from "./component-binary.ts";
import { testComponent } from "./testdata/components.ts";

describe("readComponentInterface", () => {
  test("reads versioned imports and function exports by their WIT names", async () => {
    const { imports, exports } = readComponentInterface(await testComponent("logger"));
    expect(imports).toContainEqual({ name: "vimana:grpc/imports@1.0.0", kind: "instance" });
    expect(imports).toContainEqual({ name: "context", kind: "type" });
    expect(imports.map((i) => i.name)).toContainEqual(
      expect.stringMatching(/^wasi:cli\/stdout@0\.2\.\d+$/),
    );
    expect(exports).toEqual([
      { name: "log-lines", kind: "func" },
      { name: "quit", kind: "func" },
      { name: "nap", kind: "func" },
    ]);
  });

  test("a component with nothing to import but types", async () => {
    const { imports } = readComponentInterface(await testComponent("adder-wat"));
    expect(imports.filter((i) => i.name.startsWith("wasi:"))).toEqual([]);
  });

  test("refuses a core module and other bytes", () => {
    const core = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(() => readComponentInterface(core)).toThrow(
      "this is a core WebAssembly module, not a component",
    );
    expect(() => readComponentInterface(new TextEncoder().encode("#!/bin/sh\n"))).toThrow(
      "not a WebAssembly component (bad magic, version or layer)",
    );
  });

  test("a truncated component fails loudly", async () => {
    const bytes = await testComponent("adder-wat");
    expect(() => readComponentInterface(bytes.subarray(0, bytes.length - 3))).toThrow(
      /unexpected end of input/,
    );
  });
});
