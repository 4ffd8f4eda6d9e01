import { expect, test } from "bun:test";
import { closest } from "./index.ts";

test("the nearest known word to a typo, or nothing when none is near", () => {
  expect(closest("versionWieghts", ["id", "domain", "services", "versionWeights"])).toBe(
    "versionWeights",
  );
  expect(closest("prot", ["port", "host", "once"])).toBe("port");
  expect(closest("--qiet", ["--quiet", "--once"])).toBe("--quiet");
  expect(closest("SERVICES", ["services"])).toBe("services");
  expect(closest("frobnicate", ["compile", "dev", "push"])).toBeUndefined();
});
