import { expect, test } from "bun:test";
import { join } from "node:path";
import { loadProject, parseProject } from "./project.ts";

const examples = join(import.meta.dir, "..", "..", "examples");
const file = join(examples, "vimana.yaml");

test("the examples' project: one domain, the adder server, two versions", async () => {
  const project = await loadProject(file);
  expect(project.domains.map((d) => [d.name, d.canonical, d.aliases])).toEqual([
    ["foo-domain", "00000000000000000000000000000001.app.vimana.host", ["api.vimana.host"]],
  ]);
  expect(project.servers.map((s) => [s.id, s.services, [...s.versionWeights]])).toEqual([
    [
      "the-adder-server",
      ["foo.bar.AdderService"],
      [
        ["1.0.0", 1],
        ["2.0.0", 0],
      ],
    ],
  ]);
  expect(project.components.map((c) => [c.version, c.language, c.image])).toEqual([
    ["1.0.0", "wat", join(examples, "adder/adder.wat")],
    ["2.0.0", "wat", join(examples, "multiplier/multiplier.wat")],
  ]);
});

/** The ProjectError's message for `text` read as if it were examples/vimana.yaml. */
function problems(text: string): string {
  try {
    parseProject(file, text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a ProjectError");
}

const domain = `kind: Domain
metadata: {name: d}
spec:
  id: "00000000000000000000000000000001"
  vimana: v
`;

test("problems name the file, line and column", () => {
  expect(
    problems(
      `${domain}---\nkind: Server\nmetadata: {name: s}\nspec:\n  id: s\n  domain: "00000000000000000000000000000001"\n  services: [a.B]\n  versionWeights: {"1": -1}\n`,
    ),
  ).toBe(`${file}:13:25: weight of version 1 must be an integer from 0 to 2^31-1`);
  expect(problems("kind: Domain\nmetadata: {name: d}\nspec:\n  id: xyz\n  vimana: v\n")).toBe(
    `${file}:4:7: spec.id: Incorrect domain UUID length: 3`,
  );
  expect(problems("kind: Thing\n")).toBe(
    `${file}:1:7: unknown kind Thing: expected Vimana, Domain, Server or Component`,
  );
  expect(problems("kind: [\n")).toMatch(new RegExp(`^${file}:\\d+:\\d+: `));
});

test("references between resources are checked", () => {
  const component = `---
kind: Component
metadata: {name: c}
spec:
  domain: "00000000000000000000000000000001"
  server: other
  version: "1.0.0"
  image: registry.example/adder:1.0.0
  proto: adder/adder.proto
`;
  expect(problems(`${domain}${component}`)).toBe(
    `${file}:13:10: spec.image must be a local .wat, .c, .js or .wasm file in dev, not ${join(examples, "registry.example/adder:1.0.0")}`,
  );
  const server = `---
kind: Server
metadata: {name: s}
spec:
  id: s
  domain: "00000000000000000000000000000002"
  services: [a.B]
  versionWeights: {"1.0.0": 1}
`;
  expect(problems(`${domain}${server}`).split("\n")).toEqual([
    `${file}:11:11: Server s: no Domain has id 00000000000000000000000000000002`,
    `${file}:13:29: Server s: versionWeights names 1.0.0, but no Component has it`,
  ]);
});

test("unknown keys are errors with the closest known one; every reference error has a line", () => {
  const server = `---
kind: Server
metadata: {name: s}
spec:
  id: s
  domain: "00000000000000000000000000000001"
  services: [a.B]
  versionWieghts: {"1.0.0": 1}
`;
  expect(problems(`${domain}${server}`).split("\n")).toEqual([
    `${file}:13:3: unknown field spec.versionWieghts (did you mean versionWeights?)`,
  ]);
  expect(problems(`${domain}---\nkind: Domian\n`)).toBe(
    `${file}:7:7: unknown kind Domian (did you mean Domain?): expected Vimana, Domain, Server or Component`,
  );
  const component = (server: string, extra = "") => `---
kind: Server
metadata: {name: s}
spec:
  id: adder
  domain: "00000000000000000000000000000001"
  services: [a.B]
  versionWeights: {"1.0.0": 1}
---
kind: Component
metadata: {name: c}
spec:
  domain: "00000000000000000000000000000001"
  server: ${server}
  version: "1.0.0"
  image: adder/adder.wat
  proto: adder/adder.proto
${extra}`;
  expect(problems(`${domain}${component("addr")}`).split("\n")).toEqual([
    `${file}:13:29: Server s: versionWeights names 1.0.0, but no Component has it`,
    `${file}:19:11: Component c: no Server addr in Domain 00000000000000000000000000000001 (did you mean adder?)`,
  ]);
  expect(problems(`${domain}${component("adder", "  protto: x\n")}`)).toBe(
    `${file}:23:3: unknown field spec.protto (did you mean proto?)`,
  );
});
