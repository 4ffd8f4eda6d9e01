import { expect, test } from "bun:test";
import { join } from "node:path";
import { buildExamples } from "./build.ts";
import { builtPath, exampleComponents, examplesOutDir } from "./index.ts";

test("examples are built from a copy of their sources under build/examples/sources", async () => {
  const [result] = await buildExamples({ only: ["adder-wat"] });
  expect(result?.outcome === "built" || result?.outcome === "up-to-date").toBe(true);
  const example = exampleComponents.find((e) => e.name === "adder-wat");
  const copy = join(examplesOutDir, "sources", "adder-wat", "adder", "adder.wat");
  expect(await Bun.file(copy).text()).toBe(await Bun.file(example?.sources[0] as string).text());
  expect(await Bun.file(builtPath(example as never)).exists()).toBe(true);
});
