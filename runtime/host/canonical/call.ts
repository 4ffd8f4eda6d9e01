// A covered method's call per the canonical ABI, compiled once per method: the context's headers
// lowered into linear memory through `cabi_realloc` as jco's glue lowers them (same allocation
// calls, same order), the request's fields passed as flat core parameters, the core export
// called, the response lifted from its flat result (one field) or from the memory it points at
// (several), then `cabi_post_<name>`. No jco task bookkeeping runs; traps and fuel behave as on
// jco's path because the same core function runs with the same limit globals.
import type { FlatField, FlatSignature, FlatType } from "./signature.ts";

/** What a call needs of one instance's core module exporting the function. */
export interface CoreExports {
  fn: (...args: unknown[]) => unknown;
  realloc: (oldPtr: number, oldSize: number, align: number, newSize: number) => number;
  memory: WebAssembly.Memory;
  postReturn: ((...args: unknown[]) => unknown) | undefined;
}

/** A record of the request's and response's field keys. */
type FlatRecord = Record<string, unknown>;

export type DirectCall = (
  core: CoreExports,
  headers: readonly (readonly [string, string])[],
  request: FlatRecord,
) => FlatRecord;

const encoder = new TextEncoder();

/** Lowers one string as jco does: an empty one is (1, 0) with no allocation. */
function lowerString(core: CoreExports, text: string): [number, number] {
  if (text.length === 0) return [1, 0];
  const bytes = encoder.encode(text);
  const ptr = core.realloc(0, 0, 1, bytes.length);
  new Uint8Array(core.memory.buffer, ptr, bytes.length).set(bytes);
  return [ptr, bytes.length];
}

/** Lowers `list<tuple<string, string>>`: 16-byte elements of two (pointer, length) pairs. */
function lowerHeaders(core: CoreExports, headers: readonly (readonly [string, string])[]): number {
  const base = core.realloc(0, 0, 4, headers.length * 16);
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i] as readonly [string, string];
    const at = base + i * 16;
    const [namePtr, nameLen] = lowerString(core, name);
    const [valuePtr, valueLen] = lowerString(core, value);
    // The buffer is read after the allocations: a grow replaces it.
    const view = new DataView(core.memory.buffer);
    view.setUint32(at, namePtr, true);
    view.setUint32(at + 4, nameLen, true);
    view.setUint32(at + 8, valuePtr, true);
    view.setUint32(at + 12, valueLen, true);
  }
  return base;
}

/** How a flat core value (a parameter) is made from a field's jco value. */
function lowered(type: FlatType, value: string): string {
  switch (type) {
    case "bool":
      return `(${value} ? 1 : 0)`;
    case "s64":
    case "u64":
      return value;
    default:
      return `+${value}`;
  }
}

/** How a field's jco value is made from a flat core value (a result). */
function lifted(type: FlatType, value: string): string {
  switch (type) {
    case "u32":
      return `(${value} >>> 0)`;
    case "u64":
      return `BigInt.asUintN(64, ${value})`;
    case "bool":
      return `liftBool(${value})`;
    default:
      return value;
  }
}

const layout: Readonly<Record<FlatType, { size: number; load: string }>> = {
  f32: { size: 4, load: "getFloat32" },
  f64: { size: 8, load: "getFloat64" },
  s32: { size: 4, load: "getInt32" },
  u32: { size: 4, load: "getUint32" },
  s64: { size: 8, load: "getBigInt64" },
  u64: { size: 8, load: "getBigUint64" },
  bool: { size: 1, load: "getUint8" },
};

/** jco's bool lift: anything but 0 or 1 is the component's error. */
function liftBool(value: number): boolean {
  if (value === 0) return false;
  if (value === 1) return true;
  throw new TypeError("invalid variant discriminant for bool");
}

/** Field offsets of a record in memory: each field at its own alignment (its size here). */
function offsets(fields: readonly FlatField[]): number[] {
  let at = 0;
  return fields.map(({ type }) => {
    const { size } = layout[type];
    at = Math.ceil(at / size) * size;
    const offset = at;
    at += size;
    return offset;
  });
}

/** Generates the call for one signature (once per method, at load). */
export function compileDirectCall(signature: FlatSignature): DirectCall {
  const args = signature.request.map(({ key, type }) =>
    lowered(type, `request[${JSON.stringify(key)}]`),
  );
  const lines = [
    "const headersPtr = lowerHeaders(core, headers);",
    `const ret = core.fn(headersPtr, headers.length${args.map((a) => `, ${a}`).join("")});`,
  ];
  const [single] = signature.response;
  if (signature.response.length === 1 && single) {
    lines.push(
      `const response = { ${JSON.stringify(single.key)}: ${lifted(single.type, "ret")} };`,
    );
  } else {
    const at = offsets(signature.response);
    lines.push("const view = new DataView(core.memory.buffer);");
    const fields = signature.response.map(({ key, type }, i) => {
      const load = `view.${layout[type].load}(ret + ${at[i]}, true)`;
      return `${JSON.stringify(key)}: ${lifted(type, load)}`;
    });
    lines.push(`const response = { ${fields.join(", ")} };`);
  }
  lines.push("if (core.postReturn !== undefined) core.postReturn(ret);", "return response;");
  const factory = new Function(
    "lowerHeaders",
    "liftBool",
    `return function directCall(core, headers, request) {\n${lines.join("\n")}\n};`,
  ) as (lower: typeof lowerHeaders, bool: typeof liftBool) => DirectCall;
  return factory(lowerHeaders, liftBool);
}
