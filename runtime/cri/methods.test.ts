import { describe, expect, test } from "bun:test";
import { criMethods } from "./index.ts";

describe("CRI message definitions", () => {
  test("Version has the protocol's gRPC path", () => {
    expect(criMethods.Version.path).toBe("/runtime.v1.RuntimeService/Version");
  });

  test("VersionRequest encodes with the protocol's field number", () => {
    // field 1, wire type 2 (length-delimited) = 0x0a; length 2; "v1"
    expect(criMethods.Version.request.encode({ version: "v1" })).toEqual(
      new Uint8Array([0x0a, 0x02, 0x76, 0x31]),
    );
  });

  test("VersionResponse fields carry the protocol's numbers 1–4", () => {
    const bytes = criMethods.Version.response.encode({
      version: "a",
      runtime_name: "b",
      runtime_version: "c",
      runtime_api_version: "d",
    });
    expect(bytes).toEqual(
      new Uint8Array([0x0a, 1, 0x61, 0x12, 1, 0x62, 0x1a, 1, 0x63, 0x22, 1, 0x64]),
    );
    expect(criMethods.Version.response.decode(bytes)).toEqual({
      version: "a",
      runtime_name: "b",
      runtime_version: "c",
      runtime_api_version: "d",
    });
  });

  test("decoding fills in proto3 defaults for absent fields", () => {
    expect(criMethods.Version.response.decode(new Uint8Array([0x12, 1, 0x62]))).toEqual({
      version: "",
      runtime_name: "b",
      runtime_version: "",
      runtime_api_version: "",
    });
  });
});
