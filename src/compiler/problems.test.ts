// What the compiler refuses, and how it says so: file, line, column and construct.
import { describe, expect, test } from "bun:test";
import { MAX_FIELD_NESTING } from "../metadata/index.ts";
import { CompileError, compileProtos } from "./index.ts";
import { problemsOf } from "./testdata/compile.ts";

const proto3 = (body: string) => `syntax = "proto3";\npackage t.x;\n${body}`;
const proto2 = (body: string) => `syntax = "proto2";\npackage t.x;\n${body}`;

describe("unsupported constructs", () => {
  test("streaming methods, each kind", async () => {
    const source = proto3(`message M {}
service S {
  rpc Up(stream M) returns (M);
  rpc Down(M) returns (stream M);
  rpc Both(stream M) returns (stream M);
}
`);
    expect(await problemsOf({ "s.proto": source })).toEqual([
      "s.proto:5:3: streaming method t.x.S/Up (client streaming) is not supported: vimanad serves unary methods",
      "s.proto:6:3: streaming method t.x.S/Down (server streaming) is not supported: vimanad serves unary methods",
      "s.proto:7:3: streaming method t.x.S/Both (bidi streaming) is not supported: vimanad serves unary methods",
    ]);
  });

  test("required fields, at their label", async () => {
    const source = proto2(`message M {
  optional int32 a = 1;
    required string b = 2;
}
service S { rpc Do(M) returns (M); }
`);
    expect(await problemsOf({ "r.proto": source })).toEqual([
      "r.proto:5:5: required field t.x.M.b is not supported: make it optional",
    ]);
  });

  test("groups, singular and repeated", async () => {
    const source = proto2(`message M {
  optional group One = 1 { optional int32 a = 2; }
  repeated group Many = 3 { optional int32 b = 4; }
}
service S { rpc Do(M) returns (M); }
`);
    expect(await problemsOf({ "g.proto": source })).toEqual([
      "g.proto:4:3: group One in t.x.M is not supported: declare a message type and a field of it",
      "g.proto:5:3: group Many in t.x.M is not supported: declare a message type and a field of it",
    ]);
  });

  test("extensions of a served message; those of other messages (options) are fine", async () => {
    const source = proto2(`import "google/protobuf/descriptor.proto";
message M { optional int32 a = 1; extensions 100 to 199; }
message Unserved { extensions 100 to 199; }
extend M { optional string note = 100; }
extend Unserved { optional string fine = 100; }
extend google.protobuf.MethodOptions { optional string route = 50000; }
service S { rpc Do(M) returns (M) { option (route) = "/do"; } }
`);
    expect(await problemsOf({ "e.proto": source })).toEqual([
      "e.proto:6:12: extension t.x.note of t.x.M is not supported: vimanad serves a message's own fields only",
    ]);
  });

  test("editions", async () => {
    const source = `edition = "2023";
package t.x;
message M { int32 a = 1; }
service S { rpc Do(M) returns (M); }
`;
    expect(await problemsOf({ "ed.proto": source })).toEqual([
      'ed.proto:1:1: editions are not supported (EDITION_2023): declare syntax = "proto3" or "proto2"',
    ]);
  });
});

describe("recursive messages are refused: WIT types and Metadata fields cannot contain themselves", () => {
  test.each([
    ["directly", "message M { M next = 1; }", "t.x.M.next", "r.proto:3:13"],
    [
      "through a list, another message and a map",
      "message M { repeated N ns = 1; }\nmessage N { map<string, M> ms = 1; }",
      "t.x.M.ns → t.x.N.ms",
      "r.proto:4:13",
    ],
    [
      "through a oneof",
      "message M { oneof o { M again = 1; int32 stop = 2; } }",
      "t.x.M.again",
      "r.proto:3:23",
    ],
  ])("%s", async (_, messages, cycle, at) => {
    const source = proto3(`${messages}\nservice S { rpc Do(M) returns (M); }\n`);
    expect(await problemsOf({ "r.proto": source })).toEqual([
      `${at}: message t.x.M contains itself (${cycle}): recursive messages are not supported, because WIT types cannot refer to themselves and Metadata fields form a tree`,
    ]);
  });

  test("google.protobuf.Struct is recursive", async () => {
    const source = proto3(`import "google/protobuf/struct.proto";
service S { rpc Do(google.protobuf.Struct) returns (google.protobuf.Struct); }
`);
    const problems = await problemsOf({ "s.proto": source });
    expect(problems.map((p) => p.replace(/^.*?: /, "").replace(/:.*/, ""))).toEqual([
      "message google.protobuf.Struct contains itself (google.protobuf.Struct.fields → google.protobuf.Value.struct_value)",
      "message google.protobuf.Value contains itself (google.protobuf.Value.list_value → google.protobuf.ListValue.values)",
    ]);
  });
});

describe("names", () => {
  test("two proto names with one WIT name, in a message, an enum, a oneof", async () => {
    // proto3 refuses the message's and enum's pairs itself (JSON names, enum prefixes).
    const source = proto2(`message M {
  optional int32 foo_bar = 1;
  optional int32 fooBar = 2;
  oneof o { int32 a_b = 3; int32 aB = 4; }
  optional E e = 5;
}
enum E { E_ZERO = 0; eZero = 1; }
service S { rpc Do(M) returns (M); }
`);
    expect(await problemsOf({ "n.proto": source })).toEqual([
      "n.proto:5:3: in message t.x.M, foo_bar and fooBar both become foo-bar: rename one",
      "n.proto:6:28: in oneof t.x.M.o, a_b and aB both become a-b: rename one",
      "n.proto:9:22: in enum t.x.E, E_ZERO and eZero both become e-zero: rename one",
    ]);
  });

  test("a nested type and a top-level one with one WIT name", async () => {
    const source = proto3(`message A { message B { int32 x = 1; } B b = 1; A_B c = 2; }
message A_B { int32 y = 1; }
service S { rpc Do(A) returns (A); }
`);
    expect(await problemsOf({ "t.proto": source })).toEqual([
      "t.proto:4:1: t.x.A.B and t.x.A_B both become WIT type a-b in t:x: rename one",
    ]);
  });

  test("methods of two services with one export name", async () => {
    const source = proto3(`message M {}
service S { rpc GetThing(M) returns (M); }
service T { rpc get_thing(M) returns (M); }
`);
    expect(await problemsOf({ "m.proto": source })).toEqual([
      "m.proto:5:13: methods t.x.S/GetThing and t.x.T/get_thing both become export get-thing: rename one",
    ]);
  });

  test("a name whose first word starts with a digit", async () => {
    const source = proto3(`message M { int32 _2d = 1; }
service S { rpc Do(M) returns (M); }
`);
    expect(await problemsOf({ "d.proto": source })).toEqual([
      "d.proto:3:13: field _2d has no WIT name: a name's words must start with a letter",
    ]);
  });
});

describe("files and packages", () => {
  test("syntax errors are buf's, at their place", async () => {
    const source = proto3("message M { int32 a = 1 }\n");
    expect(await problemsOf({ "bad.proto": source })).toEqual([
      "bad.proto:3:25: unexpected `}` after definition",
    ]);
  });

  test("no package", async () => {
    const source = `syntax = "proto3";\nmessage M {}\nservice S { rpc Do(M) returns (M); }\n`;
    expect(await problemsOf({ "p.proto": source })).toEqual([
      "p.proto:1:1: p.proto declares no package: give it one (`package acme.billing;`), which names its services and its WIT package",
    ]);
  });

  test("no service", async () => {
    expect(await problemsOf({ "n.proto": proto3("message M {}\n") })).toEqual([
      "no service in n.proto: nothing to serve",
    ]);
  });

  test("files of different packages", async () => {
    const a = proto3("message M {}\nservice S { rpc Do(M) returns (M); }\n");
    const b = `syntax = "proto3";\npackage t.y;\nmessage N {}\n`;
    expect(await problemsOf({ "a.proto": a, "b.proto": b })).toEqual([
      'b.proto:1:1: conflicting packages: b.proto is in package "t.y", a.proto in "t.x"; compile one package at a time',
    ]);
  });

  test("a file that is missing, or outside every include directory", async () => {
    const error = await compileProtos({
      files: ["no/such.proto", "examples/adder/adder.proto"],
      includeDirs: ["src"],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompileError);
    expect((error as CompileError).problems.map((p) => p.message)).toEqual([
      "no/such.proto: no such file",
      "examples/adder/adder.proto is not inside any include directory (-I): name the directory its imports are relative to",
    ]);
  });

  test("an include directory that does not exist", async () => {
    const error = await compileProtos({
      files: ["examples/adder/adder.proto"],
      includeDirs: ["no/such/dir", "examples/adder"],
    }).catch((e: unknown) => e);
    expect((error as CompileError).problems.map((p) => p.message)).toEqual([
      "include directory no/such/dir does not exist",
    ]);
  });

  test("two packages with one WIT name", async () => {
    const sources = {
      "a.proto":
        'syntax = "proto3";\npackage t.a_b;\nimport "b.proto";\nmessage M { t.a.b.N n = 1; }\nservice S { rpc Do(M) returns (M); }\n',
      "b.proto": 'syntax = "proto3";\npackage t.a.b;\nmessage N { int32 v = 1; }\n',
    };
    expect(await problemsOf(sources, ["a.proto"])).toEqual([
      'b.proto:1:1: packages "t.a_b" and "t.a.b" both become WIT package t:a-b: rename one',
    ]);
  });

  test("packages whose types refer to each other", async () => {
    const sources = {
      "a.proto": proto3(
        'import "b.proto";\nmessage M { t.y.N n = 1; }\nservice S { rpc Do(M) returns (M); }\n',
      ),
      "b.proto":
        'syntax = "proto3";\npackage t.y;\nimport "leaf.proto";\nmessage N { t.x.Leaf leaf = 1; }\n',
      "leaf.proto": proto3("message Leaf { int32 v = 1; }\n"),
    };
    expect(await problemsOf(sources, ["a.proto"])).toEqual([
      'the types of packages "t.x" → "t.y" → "t.x" refer to each other in a cycle, which WIT packages cannot: move them into one package',
    ]);
  });
});

test(`messages nested deeper than ${MAX_FIELD_NESTING} levels`, async () => {
  const messages = Array.from(
    { length: MAX_FIELD_NESTING + 1 },
    (_, i) =>
      `message L${i} { ${i < MAX_FIELD_NESTING ? `L${i + 1} next = 1;` : "int32 end = 1;"} }`,
  );
  const source = proto3(`${messages.join("\n")}\nservice S { rpc Do(L0) returns (L0); }\n`);
  expect(await problemsOf({ "deep.proto": source })).toEqual([
    `deep.proto:${MAX_FIELD_NESTING + 4}:13: the request of t.x.S/Do nests ${MAX_FIELD_NESTING + 1} levels deep; vimanad decodes at most ${MAX_FIELD_NESTING}`,
    `deep.proto:${MAX_FIELD_NESTING + 4}:13: the response of t.x.S/Do nests ${MAX_FIELD_NESTING + 1} levels deep; vimanad decodes at most ${MAX_FIELD_NESTING}`,
  ]);
});
