import { expect, test } from "bun:test";
import { callContext } from "./context.ts";

test("call context: visible-ASCII metadata in order; binary, non-ASCII and pseudo-headers left out", () => {
  const { context, dropped } = callContext([
    [":path", "/foo.bar.AdderService/AddFloats"],
    ["content-type", "application/grpc"],
    ["x-trace", "abc\t123"],
    ["x-blob-bin", "AAEC"],
    ["x-name", "Jürgen"],
    ["x-trace", "second"],
    ["x-bell", "\u0007"],
  ]);
  expect(context).toEqual({
    headers: [
      ["content-type", "application/grpc"],
      ["x-trace", "abc\t123"],
      ["x-trace", "second"],
    ],
  });
  expect(dropped).toEqual(["x-blob-bin", "x-name", "x-bell"]);
});
