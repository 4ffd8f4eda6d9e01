// The fast path's lowering and lifting against the canonical ABI's layout, over a real linear
// memory: the examples' components (call-paths.test.ts) return one f32, so the record-in-memory
// lift, the integer and bool lifts and the header lowering are checked here, value by value.
import { expect, test } from "bun:test";
import { type CoreExports, compileDirectCall, flatSignature } from "./index.ts";

const scalar = (key: string, type: string) => ({ kind: "scalar", key, type, presence: "IMPLICIT" });

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

test("flat parameters, headers lowered as jco lowers them, one result lifted", () => {
  const signature = flatSignature(
    [scalar("a", "BOOL"), scalar("b", "UINT64"), scalar("c", "DOUBLE")],
    [scalar("result", "UINT32")],
  );
  if (typeof signature === "string") throw new Error(signature);
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
  const text = (ptr: number, len: number) =>
    new TextDecoder().decode(new Uint8Array(instance.memory.buffer, ptr, len));
  const entry = (i: number) => [0, 4, 8, 12].map((o) => view.getUint32(base + i * 16 + o, true));
  const [n0, l0, v0, w0] = entry(0) as [number, number, number, number];
  expect([text(n0, l0), text(v0, w0)]).toEqual(["x-a", "1"]);
  expect(entry(1).slice(2)).toEqual([1, 0]);
  expect(instance.posted).toEqual([-1]);
});

test("several results are lifted from the record the result points at", () => {
  const signature = flatSignature(
    [scalar("x", "FLOAT")],
    [
      scalar("ok", "BOOL"),
      scalar("big", "INT64"),
      scalar("small", "SINT32"),
      scalar("unsigned", "FIXED32"),
      scalar("wide", "FIXED64"),
      scalar("half", "FLOAT"),
    ],
  );
  if (typeof signature === "string") throw new Error(signature);
  const instance = core(() => 1024);
  // { ok: bool @0, big: s64 @8, small: s32 @16, unsigned: u32 @20, wide: u64 @24, half: f32 @32 }
  const view = new DataView(instance.memory.buffer);
  view.setUint8(1024, 1);
  view.setBigInt64(1032, -5n, true);
  view.setInt32(1040, -7, true);
  view.setUint32(1044, 4_000_000_000, true);
  view.setBigUint64(1048, 2n ** 63n, true);
  view.setFloat32(1056, 1.5, true);
  expect(compileDirectCall(signature)(instance, [], { x: 1 })).toEqual({
    ok: true,
    big: -5n,
    small: -7,
    unsigned: 4_000_000_000,
    wide: 2n ** 63n,
    half: 1.5,
  });
  expect(instance.posted).toEqual([1024]);
  view.setUint8(1024, 2);
  expect(() => compileDirectCall(signature)(instance, [], { x: 1 })).toThrow(
    "invalid variant discriminant for bool",
  );
});

test("types the fast path does not cover are named", () => {
  expect(flatSignature([scalar("s", "STRING_UTF8")], [scalar("r", "FLOAT")])).toBe(
    "request: field s (scalar STRING_UTF8 IMPLICIT)",
  );
  expect(
    flatSignature([scalar("x", "FLOAT")], [{ ...scalar("r", "FLOAT"), presence: "EXPLICIT" }]),
  ).toBe("response: field r (scalar FLOAT EXPLICIT)");
  const many = Array.from({ length: 15 }, (_, i) => scalar(`f${i}`, "INT32"));
  expect(flatSignature(many, [scalar("r", "FLOAT")])).toBe(
    "request: 15 fields flatten past 16 parameters",
  );
});
