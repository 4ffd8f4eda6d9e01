// The fast path's lowering and lifting against the canonical ABI's layout, over a real linear
// memory with a stand-in core function, value by value: flat parameters (headers, joined
// variant slots), parameters in memory, results flat and in memory, and the checks on what a
// component returns. Real components round-trip every type in call-paths.test.ts (kitchen-sink).
import { expect, test } from "bun:test";
import type { FieldPlan, MessagePlan } from "../../../src/codec/index.ts";
import {
  type CoreExports,
  canonicalSignature,
  compileDirectCall,
  coreParamCount,
} from "./index.ts";

let number = 0;
const named = (key: string) => ({ name: key, key, number: ++number });
const scalar = (key: string, type: string, presence = "IMPLICIT") =>
  ({ kind: "scalar", ...named(key), type, presence }) as FieldPlan;
const colors = (key: string, presence = "IMPLICIT") =>
  ({
    kind: "enum",
    ...named(key),
    presence,
    cases: ["none", "red", "blue"].map((name, i) => ({ name, number: i })),
    zeroCase: "none",
  }) as FieldPlan;
const message = (...fields: FieldPlan[]): MessagePlan => ({ fields });

function signatureOf(request: MessagePlan, response: MessagePlan) {
  const signature = canonicalSignature(request, response);
  if (typeof signature === "string") throw new Error(signature);
  return signature;
}

/** A core module stand-in: a bump allocator over a real memory, recording what it was given. */
function core(fn: CoreExports["fn"]): CoreExports & { allocations: number[][]; posted: unknown[] } {
  const memory = new WebAssembly.Memory({ initial: 1 });
  let next = 64;
  const allocations: number[][] = [];
  const posted: unknown[] = [];
  return {
    fn,
    memory,
    allocations,
    posted,
    realloc: (oldPtr, oldSize, align, size) => {
      allocations.push([oldPtr, oldSize, align, size]);
      next = Math.ceil(next / align) * align;
      const at = next;
      next += size;
      return at;
    },
    postReturn: (ret) => posted.push(ret),
  };
}

const text = (memory: WebAssembly.Memory, ptr: number, len: number) =>
  new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len));

test("flat parameters, headers lowered as jco lowers them, one result lifted", () => {
  const signature = signatureOf(
    message(scalar("a", "BOOL"), scalar("b", "UINT64"), scalar("c", "DOUBLE")),
    message(scalar("result", "UINT32")),
  );
  expect(coreParamCount(signature)).toBe(5);
  let seen: unknown[] = [];
  const instance = core((...args) => {
    seen = args;
    return -1;
  });
  const response = compileDirectCall(signature)(
    instance,
    [
      ["x-a", "1"],
      ["x-b", ""],
    ],
    { a: true, b: 2n ** 64n - 1n, c: 0.5 },
  );
  expect(response).toEqual({ result: 2 ** 32 - 1 });
  const [base, count, a, b, c] = seen as [number, number, number, bigint, number];
  expect([count, a, b, c]).toEqual([2, 1, 2n ** 64n - 1n, 0.5]);
  // The list first (align 4, 16 bytes a tuple), then each non-empty string (align 1).
  expect(instance.allocations).toEqual([
    [0, 0, 4, 32],
    [0, 0, 1, 3],
    [0, 0, 1, 1],
    [0, 0, 1, 3],
  ]);
  const view = new DataView(instance.memory.buffer);
  const entry = (i: number) => [0, 4, 8, 12].map((o) => view.getUint32(base + i * 16 + o, true));
  const [n0, l0, v0, w0] = entry(0) as [number, number, number, number];
  expect([text(instance.memory, n0, l0), text(instance.memory, v0, w0)]).toEqual(["x-a", "1"]);
  expect(entry(1).slice(2)).toEqual([1, 0]);
  expect(instance.posted).toEqual([-1]);
});

test("flat options, enums, strings and a oneof whose cases share joined slots", () => {
  const oneof = {
    kind: "oneof",
    name: "choice",
    key: "choice",
    variants: [scalar("f", "FLOAT", "EXPLICIT"), scalar("n", "INT64", "EXPLICIT")],
  } as FieldPlan;
  const signature = signatureOf(
    message(
      scalar("maybe", "DOUBLE", "EXPLICIT"),
      colors("color"),
      scalar("s", "STRING_UTF8"),
      oneof,
    ),
    message(colors("color")),
  );
  // headers 2, option<f64> 2, enum 1, string 2, option<variant<f32, s64>> 3 (tag, tag, i64).
  expect(coreParamCount(signature)).toBe(10);
  const calls: unknown[][] = [];
  const instance = core((...args) => {
    calls.push(args);
    return 2;
  });
  const call = compileDirectCall(signature);
  const request = { maybe: undefined, color: "blue", s: "é€😀", choice: { tag: "f", val: 1.5 } };
  expect(call(instance, [], request)).toEqual({ color: "blue" });
  expect(
    call(instance, [], { ...request, maybe: 2.5, s: "", choice: { tag: "n", val: -2n } }),
  ).toEqual({ color: "blue" });
  const [first, second] = calls as [unknown[], unknown[]];
  expect(first.slice(2, 5)).toEqual([0, 0, 2]);
  // The string is exactly as long as its UTF-8: 2 + 3 + 4 bytes.
  expect(first[6]).toBe(9);
  expect(text(instance.memory, first[5] as number, 9)).toBe("é€😀");
  // f32 1.5 into the i64 slot: its bits, zero-extended.
  expect(first.slice(7)).toEqual([1, 0, 0x3fc00000n]);
  expect(second.slice(2, 4)).toEqual([1, 2.5]);
  expect(second.slice(5, 7)).toEqual([1, 0]);
  expect(second.slice(7)).toEqual([1, 1, -2n]);
  expect(() => call(instance, [], { ...request, color: "green" })).toThrow(
    '"green" is not one of the cases',
  );
  const bad = core(() => 3);
  expect(() => call(bad, [], request)).toThrow("invalid discriminant specified for an enum");
});

test("more than 16 flat parameters travel in memory, allocated as jco allocates them", () => {
  const ints = Array.from({ length: 13 }, (_, i) => scalar(`i${i}`, "INT32"));
  const signature = signatureOf(
    message(...ints, scalar("bytes", "BYTES"), scalar("floats", "FLOAT", "PACKED")),
    message(scalar("ok", "BOOL")),
  );
  expect(coreParamCount(signature)).toBe(1);
  let args: unknown[] = [];
  const instance = core((...seen) => {
    args = seen;
    return 1;
  });
  const request: Record<string, unknown> = {
    bytes: new Uint8Array([7, 8, 9]),
    floats: new Float32Array([0.5, -1]),
  };
  for (let i = 0; i < 13; i++) request[`i${i}`] = i - 6;
  expect(compileDirectCall(signature)(instance, [["k", "v"]], request)).toEqual({ ok: true });
  // (context 8 bytes, request: 13 × 4, list 8, list 8) = 76; then headers, then the lists.
  expect(instance.allocations).toEqual([
    [0, 0, 4, 76],
    [0, 0, 4, 16],
    [0, 0, 1, 1],
    [0, 0, 1, 1],
    [0, 0, 1, 3],
    [0, 0, 4, 8],
  ]);
  const ptr = args[0] as number;
  const view = new DataView(instance.memory.buffer);
  expect(view.getUint32(ptr + 4, true)).toBe(1);
  expect(Array.from({ length: 13 }, (_, i) => view.getInt32(ptr + 8 + i * 4, true))).toEqual(
    Array.from({ length: 13 }, (_, i) => i - 6),
  );
  const list = (at: number) => [view.getUint32(at, true), view.getUint32(at + 4, true)];
  const [bytesPtr, bytesLen] = list(ptr + 60) as [number, number];
  expect([...new Uint8Array(instance.memory.buffer, bytesPtr, bytesLen)]).toEqual([7, 8, 9]);
  const [floatsPtr, floatsLen] = list(ptr + 68) as [number, number];
  expect([...new Float32Array(instance.memory.buffer, floatsPtr, floatsLen)]).toEqual([0.5, -1]);
});

test("a response in memory is lifted into jco's shapes", () => {
  const nested = {
    kind: "message",
    ...named("inner"),
    repeated: false,
    message: message(scalar("label", "STRING_UTF8"), scalar("count", "UINT32")),
  } as FieldPlan;
  const signature = signatureOf(
    message(scalar("x", "FLOAT")),
    message(
      scalar("ok", "BOOL"),
      scalar("big", "INT64"),
      scalar("wide", "FIXED64"),
      scalar("name", "STRING_UTF8"),
      scalar("data", "BYTES"),
      scalar("longs", "SINT64", "PACKED"),
      colors("colors", "PACKED"),
      nested,
    ),
  );
  expect(signature.flatResult).toBe(false);
  const instance = core(() => 1024);
  const memory = instance.memory;
  const view = new DataView(memory.buffer);
  // ok @0, big @8, wide @16, name @24, data @32, longs @40, colors @48,
  // inner option @56 (payload @60: label @60, count @68); size 72.
  view.setUint8(1024, 1);
  view.setBigInt64(1032, -5n, true);
  view.setBigUint64(1040, 2n ** 63n, true);
  new Uint8Array(memory.buffer).set([0x68, 0xff, 0x69], 2000); // "h", invalid, "i"
  view.setUint32(1048, 2000, true);
  view.setUint32(1052, 3, true);
  view.setUint32(1056, 2000, true);
  view.setUint32(1060, 2, true);
  view.setBigInt64(2008, 3n, true);
  view.setUint32(1064, 2008, true);
  view.setUint32(1068, 1, true);
  new Uint8Array(memory.buffer).set([2, 0], 2016);
  view.setUint32(1072, 2016, true);
  view.setUint32(1076, 2, true);
  view.setUint8(1080, 1);
  view.setUint32(1084, 2000, true);
  view.setUint32(1088, 1, true);
  view.setUint32(1092, 4_000_000_000, true);
  const call = compileDirectCall(signature);
  expect(call(instance, [], { x: 1 })).toEqual({
    ok: true,
    big: -5n,
    wide: 2n ** 63n,
    name: "h\uFFFDi",
    data: new Uint8Array([0x68, 0xff]),
    longs: new BigInt64Array([3n]),
    colors: ["blue", "none"],
    inner: { label: "h", count: 4_000_000_000 },
  });
  expect(instance.posted).toEqual([1024]);
  view.setUint32(1064, 2012, true);
  expect(() => call(instance, [], { x: 1 })).toThrow("list pointer [2012] is not aligned to 8");
  view.setUint32(1064, 2008, true);
  view.setUint8(1080, 2);
  expect(() => call(instance, [], { x: 1 })).toThrow("invalid variant discriminant for option");
  view.setUint8(1080, 0);
  view.setUint8(1024, 2);
  expect(() => call(instance, [], { x: 1 })).toThrow("invalid variant discriminant for bool");
});

test("a record without fields is named (the compiler never emits one)", () => {
  expect(canonicalSignature(message(), message(scalar("r", "FLOAT")))).toBe(
    "request: a record without fields",
  );
  expect(canonicalSignature(message(scalar("r", "FLOAT")), message())).toBe(
    "response: a record without fields",
  );
});
