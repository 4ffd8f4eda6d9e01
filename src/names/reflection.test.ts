import { describe, expect, test } from "bun:test";
import { formatReflectionPolicy, parseReflectionPolicy } from "./reflection.ts";

describe("reflection policy annotation", () => {
  test("parses every form", () => {
    expect(parseReflectionPolicy("all")).toEqual({});
    expect(parseReflectionPolicy("none")).toEqual({ noneBut: [] });
    expect(parseReflectionPolicy("noneBut:a.B, c.D")).toEqual({ noneBut: ["a.B", "c.D"] });
    expect(parseReflectionPolicy("allBut:a.B")).toEqual({ allBut: ["a.B"] });
    expect(() => parseReflectionPolicy("some")).toThrow(
      'vimana.host/grpc-reflection: expected all, none, noneBut:SERVICES or allBut:SERVICES, not "some"',
    );
  });

  test("formats what parses back to the same policy", () => {
    for (const policy of [{}, { noneBut: [] }, { noneBut: ["a.B", "c.D"] }, { allBut: ["x.Y"] }]) {
      expect(parseReflectionPolicy(formatReflectionPolicy(policy))).toEqual(policy);
    }
    expect(formatReflectionPolicy({ allBut: [] })).toBe("all");
    expect(formatReflectionPolicy({ noneBut: ["a.B"], allBut: ["c.D"] })).toBe("noneBut:a.B");
  });
});
