// Compiling across files and packages, and writing the result.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompoundCoding, decodeMetadata, type Field, ScalarCoding } from "../metadata/index.ts";
import grpcWit from "../wit/grpc.wit" with { type: "text" };
import {
  type Compilation,
  compileProtos,
  describeCompilation,
  METADATA_FILE,
  PLACEHOLDER_FIELD,
  writeCompilation,
} from "./index.ts";
import { compileSources } from "./testdata/compile.ts";
import { componentWorld } from "./testdata/wit-check.ts";

const importsDir = join(import.meta.dir, "testdata", "imports");

describe("imports through several include directories", () => {
  let compilation: Compilation;

  beforeAll(async () => {
    compilation = await compileProtos({
      files: [join(importsDir, "one", "app", "app.proto")],
      includeDirs: [join(importsDir, "one"), join(importsDir, "two")],
    });
  });

  test("imported packages' types go to nested WIT packages, aliased where names clash", async () => {
    expect(compilation.wit).toBe(await Bun.file(join(importsDir, "app.wit")).text());
    expect(await componentWorld(compilation.wit, "server")).toContain(
      "export get: func(ctx: context, request: acme-app-context) -> acme-shared-empty;",
    );
  });

  test("every service is in the Metadata, its methods keyed by proto name", () => {
    const services = compilation.metadata.services;
    expect(services.map((s) => [s.name, [...s.methods.keys()]])).toEqual([
      ["acme.app.Users", ["Get", "Ping"]],
      ["acme.app.Admin", ["Reset"]],
    ]);
    const get = services[0]?.methods.get("Get");
    const scalar = (number: number, name: string, coding: number): Field => ({
      number,
      name,
      subfields: [],
      coding: { scalar: coding },
    });
    const message = (number: number, name: string, subfields: Field[]): Field => ({
      number,
      name,
      subfields,
      coding: { compound: CompoundCoding.MESSAGE },
    });
    const placeholder = scalar(
      PLACEHOLDER_FIELD.number,
      PLACEHOLDER_FIELD.name,
      ScalarCoding.BOOL_IMPLICIT,
    );
    expect(get?.request?.subfields).toEqual([
      message(1, "shared", [scalar(1, "note", ScalarCoding.STRING_UTF8_IMPLICIT)]),
      message(2, "wkt", [placeholder]),
      message(3, "local", [scalar(1, "x", ScalarCoding.INT32_IMPLICIT)]),
      // proto3 `optional` is presence, not a oneof.
      scalar(4, "maybe", ScalarCoding.INT32_EXPLICIT),
    ]);
    expect(get?.response?.subfields).toEqual([
      scalar(1, "note", ScalarCoding.STRING_UTF8_IMPLICIT),
    ]);
  });
});

describe("Metadata codings follow each file's rules", () => {
  test("proto2: explicit, unchecked strings, expanded unless [packed=true]; negative enums", async () => {
    const { metadata } = await compileSources({
      "p.proto": `syntax = "proto2";
package t.p;
enum Sign { MINUS = -1; PLUS = 1; }
message M {
  optional string s = 1;
  repeated int32 expanded = 2;
  repeated int32 packed = 3 [packed = true];
  map<string, string> labels = 4;
  optional Sign sign = 5;
}
service S { rpc Do(M) returns (M); }
`,
    });
    const fields = metadata.services[0]?.methods.get("Do")?.request?.subfields;
    const sign = [
      { number: 0xffffffff, name: "minus", subfields: [] },
      { number: 1, name: "plus", subfields: [] },
    ];
    expect(fields?.map((f) => [f.name, f.coding])).toEqual([
      ["s", { scalar: ScalarCoding.STRING_PERMISSIVE_EXPLICIT }],
      ["expanded", { scalar: ScalarCoding.INT32_EXPANDED }],
      ["packed", { scalar: ScalarCoding.INT32_PACKED }],
      ["labels", { compound: CompoundCoding.MAP }],
      ["sign", { compound: CompoundCoding.ENUM_EXPLICIT }],
    ]);
    expect(fields?.[3]?.subfields.map((f) => f.coding)).toEqual([
      { scalar: ScalarCoding.STRING_PERMISSIVE_IMPLICIT },
      { scalar: ScalarCoding.STRING_PERMISSIVE_IMPLICIT },
    ]);
    expect(fields?.[4]?.subfields).toEqual(sign);
  });
});

describe("writeCompilation", () => {
  let outDir: string;
  let compilation: Compilation;
  let written: string[];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "vimana-compile-out-"));
    compilation = await compileProtos({
      files: [join(importsDir, "one", "app", "app.proto")],
      includeDirs: [join(importsDir, "one"), join(importsDir, "two")],
    });
    written = await writeCompilation(compilation, join(outDir, "new"));
  });

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  test("writes the WIT, the platform package beside it in deps/, and the Metadata", async () => {
    const dir = join(outDir, "new");
    expect(written).toEqual([
      join(dir, "acme.app.wit"),
      join(dir, "deps", "vimana-grpc.wit"),
      join(dir, METADATA_FILE),
    ]);
    expect((await readdir(dir, { recursive: true })).sort()).toEqual([
      "acme.app.wit",
      "deps",
      "deps/vimana-grpc.wit",
      "metadata.binpb",
    ]);
    expect(await Bun.file(join(dir, "acme.app.wit")).text()).toBe(compilation.wit);
    expect(await Bun.file(join(dir, "deps", "vimana-grpc.wit")).text()).toBe(grpcWit);
    const metadata = decodeMetadata(await Bun.file(join(dir, METADATA_FILE)).bytes());
    expect(metadata).toEqual(compilation.metadata);
  });

  test("the summary names services, methods, types and files", () => {
    expect(describeCompilation(compilation, ["a.wit", "b.binpb"])).toBe(
      [
        "acme.app: 2 services, 3 methods, 4 types (4 records)",
        "world server in acme:app:",
        "  acme.app.Users/Get → export get (acme.app.Context → acme.shared.Empty)",
        "  acme.app.Users/Ping → export ping (google.protobuf.Empty → acme.app.Empty)",
        "  acme.app.Admin/Reset → export reset (google.protobuf.Empty → google.protobuf.Empty)",
        "wrote a.wit, b.binpb",
      ].join("\n"),
    );
  });
});
