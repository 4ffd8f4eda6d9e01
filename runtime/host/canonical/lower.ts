// Lowering, generated per type: jco value shapes (src/codec/values.ts) into linear memory (the
// parameters travel in memory) or into flat core parameters. Allocations are jco's, call for
// call — same `cabi_realloc` order, alignments and sizes, a list's even when empty, a string's
// only when not — so the component's heap and its fuel are what they are on jco's path.
import { type ViewedMemory, viewsOf } from "./memory.ts";
import { at, REFRESH_VIEW, type Source } from "./source.ts";
import {
  alignment,
  type CoreType,
  caseTypes,
  discriminantSize,
  fieldOffsets,
  flatten,
  memberTypes,
  payloadOffset,
  size,
  type WitType,
} from "./types.ts";

/** The memory of the instance being called, as the generated code's helpers need it. */
export interface Allocator extends ViewedMemory {
  realloc: (oldPtr: number, oldSize: number, align: number, newSize: number) => number;
}

const encoder = new TextEncoder();

/** The byte length of the last string `lowerString` lowered. */
export const lowered = { length: 0 };

/**
 * Lowers a string as UTF-8, sized exactly before allocating (as jco does: a lone surrogate
 * becomes U+FFFD's three bytes); an empty one is (1, 0) with no allocation. Returns the pointer.
 */
export function lowerString(core: Allocator, text: string): number {
  const n = text.length;
  let length = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i++;
    } else length += 3;
  }
  lowered.length = length;
  if (length === 0) return 1;
  const ptr = core.realloc(0, 0, 1, length);
  const { bytes } = viewsOf(core);
  if (ptr + length > bytes.length) {
    throw new RangeError(`cabi_realloc gave ${ptr} for ${length} bytes, outside linear memory`);
  }
  // All ASCII: one byte a character, cheaper written by hand than through the encoder.
  if (length === n) for (let i = 0; i < n; i++) bytes[ptr + i] = text.charCodeAt(i);
  else encoder.encodeInto(text, bytes.subarray(ptr, ptr + length));
  return ptr;
}

/** DataView setters of the primitives; typed-array element types lower as bytes copied. */
const setters: Readonly<Record<string, string>> = {
  u8: "setUint8",
  s32: "setInt32",
  u32: "setUint32",
  s64: "setBigInt64",
  u64: "setBigUint64",
  f32: "setFloat32",
  f64: "setFloat64",
};

/** The typed array of a list's elements, and the memory view of that type. */
export const typedArrays: Readonly<Record<string, readonly [string, string]>> = {
  u8: ["Uint8Array", "bytes"],
  s32: ["Int32Array", "s32s"],
  u32: ["Uint32Array", "u32s"],
  s64: ["BigInt64Array", "s64s"],
  u64: ["BigUint64Array", "u64s"],
  f32: ["Float32Array", "f32s"],
  f64: ["Float64Array", "f64s"],
};

function discriminantSetter(cases: number): string {
  return ["setUint8", "setUint16", "", "setUint32"][discriminantSize(cases) - 1] as string;
}

/** The hoisted helper mapping an enum's case name to its index; others are jco's TypeError. */
function enumIndex(src: Source, cases: readonly string[]): string {
  return src.helper(`lower enum ${JSON.stringify(cases)}`, (name) => {
    const arms = cases.map((c, i) => `case ${JSON.stringify(c)}: return ${i};`).join(" ");
    const message = `" is not one of the cases of an enum (${cases.join(", ")})`;
    return `function ${name}(v) { switch (v) { ${arms} default: throw new TypeError('"' + v + ${JSON.stringify(message)}); } }`;
  });
}

/** Emits the statements that store `value` (an expression, read once) at `addr`. */
export function lowerInto(src: Source, type: WitType, value: string, addr: string): void {
  switch (type.kind) {
    case "bool":
      src.emit(`view.setUint8(${addr}, ${value} ? 1 : 0);`);
      return;
    case "enum":
      src.emit(
        `view.${discriminantSetter(type.cases.length)}(${addr}, ${enumIndex(src, type.cases)}(${value}), true);`,
      );
      return;
    case "string": {
      const ptr = src.name("str");
      src.emit(`const ${ptr} = lowerString(core, ${value});`, REFRESH_VIEW);
      src.emit(`view.setUint32(${addr}, ${ptr}, true);`);
      src.emit(`view.setUint32(${at(addr, 4)}, lowered.length, true);`);
      return;
    }
    case "list": {
      const [ptr, length] = lowerList(src, type.element, value);
      src.emit(`view.setUint32(${addr}, ${ptr}, true);`);
      src.emit(`view.setUint32(${at(addr, 4)}, ${length}, true);`);
      return;
    }
    case "option":
    case "variant": {
      const v = src.name("v");
      src.emit(`const ${v} = ${value};`);
      const payload = at(addr, payloadOffset(type));
      if (type.kind === "option") {
        src.emit(`if (${v} === undefined || ${v} === null) view.setUint8(${addr}, 0);`);
        src.emit(`else { view.setUint8(${addr}, 1);`);
        lowerInto(src, type.value, v, payload);
        src.emit("}");
        return;
      }
      const set = discriminantSetter(type.cases.length);
      src.emit(`switch (${v}.tag) {`);
      type.cases.forEach((c, i) => {
        src.emit(`case ${JSON.stringify(c.name)}: { view.${set}(${addr}, ${i}, true);`);
        lowerInto(src, c.type, `${v}.val`, payload);
        src.emit("break; }");
      });
      src.emit(`default: throw new TypeError("invalid variant tag " + JSON.stringify(${v}.tag));`);
      src.emit("}");
      return;
    }
    case "record":
    case "tuple": {
      const v = src.name("v");
      src.emit(`const ${v} = ${value};`);
      const members = memberTypes(type);
      const offsets = fieldOffsets(members);
      members.forEach((member, i) => {
        lowerInto(src, member, `${v}[${memberKey(type, i)}]`, at(addr, offsets[i] as number));
      });
      return;
    }
    default:
      src.emit(`view.${setters[type.kind]}(${addr}, ${value}, true);`);
  }
}

function memberKey(type: Extract<WitType, { kind: "record" | "tuple" }>, i: number): string {
  return type.kind === "record" ? JSON.stringify(type.fields[i]?.key) : String(i);
}

/** Emits a list's allocation and elements; returns the names of its pointer and length. */
function lowerList(src: Source, element: WitType, value: string): [string, string] {
  const [v, n, ptr, i] = ["v", "n", "list", "i"].map((p) => src.name(p)) as [
    string,
    string,
    string,
    string,
  ];
  const width = size(element);
  src.emit(`const ${v} = ${value}, ${n} = ${v}.length;`);
  src.emit(`const ${ptr} = core.realloc(0, 0, ${alignment(element)}, ${n} * ${width});`);
  src.emit(REFRESH_VIEW);
  const setter = setters[element.kind];
  const typed = typedArrays[element.kind];
  if (setter !== undefined && typed !== undefined) {
    // Numbers: jco copies a typed array's bytes (the decoder's; NaN payloads kept) and writes
    // an array's elements one by one. A typed array of the same type copies bytes on `set`.
    const [type, views] = typed;
    src.emit(
      `if (${v} instanceof ${type} && ${ptr} % ${width} === 0) m.${views}.set(${v}, ${ptr} / ${width});`,
    );
    src.emit(
      `else if (ArrayBuffer.isView(${v})) m.bytes.set(new Uint8Array(${v}.buffer, ${v}.byteOffset, ${n} * ${width}), ${ptr});`,
    );
    src.emit(
      `else for (let ${i} = 0; ${i} < ${n}; ${i}++) view.${setter}(${ptr} + ${i} * ${width}, ${v}[${i}], true);`,
    );
    return [ptr, n];
  }
  src.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
  lowerInto(src, element, `${v}[${i}]`, `${ptr} + ${i} * ${width}`);
  src.emit("}");
  return [ptr, n];
}

const zeros: Readonly<Record<CoreType, string>> = { i32: "0", i64: "0n", f32: "0", f64: "0" };

/** A case's flat value in a variant slot of a joined type (CanonicalABI.md, lower_flat_variant). */
function coerce(have: CoreType, want: CoreType, value: string): string {
  if (have === want) return value;
  if (want === "i32") return `f32Bits(${value})`; // have f32
  if (have === "i32") return `BigInt((${value}) >>> 0)`;
  if (have === "f32") return `BigInt(f32Bits(${value}) >>> 0)`;
  return `f64Bits(${value})`; // f64 into i64
}

/**
 * Emits what the flat parameters of `value` need (allocations in order); returns one expression
 * a parameter, each safe to evaluate once at the call.
 */
export function lowerFlat(src: Source, type: WitType, value: string): string[] {
  switch (type.kind) {
    case "bool":
      return [`(${value} ? 1 : 0)`];
    case "enum": {
      const index = src.name("e");
      src.emit(`const ${index} = ${enumIndex(src, type.cases)}(${value});`);
      return [index];
    }
    case "string": {
      const [ptr, length] = [src.name("str"), src.name("n")];
      src.emit(`const ${ptr} = lowerString(core, ${value}), ${length} = lowered.length;`);
      src.emit(REFRESH_VIEW);
      return [ptr, length];
    }
    case "list":
      return lowerList(src, type.element, value);
    case "option":
    case "variant": {
      const v = src.name("v");
      const [tag, ...slots] = flatten(type).map((t) => ({ name: src.name("flat"), type: t }));
      const declared = [tag, ...slots].map((s) => `${s?.name} = ${zeros[s?.type ?? "i32"]}`);
      src.emit(`const ${v} = ${value};`, `let ${declared.join(", ")};`);
      const assign = (payload: WitType, of: string) => {
        const flats = flatten(payload);
        lowerFlat(src, payload, of).forEach((expr, i) => {
          const slot = slots[i] as { name: string; type: CoreType };
          src.emit(`${slot.name} = ${coerce(flats[i] as CoreType, slot.type, expr)};`);
        });
      };
      if (type.kind === "option") {
        src.emit(`if (${v} !== undefined && ${v} !== null) { ${tag?.name} = 1;`);
        assign(type.value, v);
        src.emit("}");
      } else {
        src.emit(`switch (${v}.tag) {`);
        caseTypes(type).forEach((payload, i) => {
          src.emit(`case ${JSON.stringify(type.cases[i]?.name)}: { ${tag?.name} = ${i};`);
          assign(payload, `${v}.val`);
          src.emit("break; }");
        });
        src.emit(
          `default: throw new TypeError("invalid variant tag " + JSON.stringify(${v}.tag));`,
        );
        src.emit("}");
      }
      return [tag, ...slots].map((s) => s?.name as string);
    }
    case "record":
    case "tuple": {
      const v = src.name("v");
      src.emit(`const ${v} = ${value};`);
      return memberTypes(type).flatMap((member, i) =>
        lowerFlat(src, member, `${v}[${memberKey(type, i)}]`),
      );
    }
    default:
      // A number or bigint read from the request: nothing the other parameters do changes it.
      return [value];
  }
}

const f32 = new Float32Array(1);
const f32AsI32 = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64AsI64 = new BigInt64Array(f64.buffer);

/** An f32's bits as an i32 (a variant slot joined to i32). */
export function f32Bits(value: number): number {
  f32[0] = value;
  return f32AsI32[0] as number;
}

/** An f64's bits as an i64 (a variant slot joined to i64). */
export function f64Bits(value: number): bigint {
  f64[0] = value;
  return f64AsI64[0] as bigint;
}
