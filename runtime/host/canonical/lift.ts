// Lifting, generated per type: the response from linear memory (or from the one flat result)
// into jco's value shapes, checked as jco checks it — a bool or discriminant out of range and a
// misaligned list pointer are TypeErrors, memory out of bounds a RangeError, invalid UTF-8 is
// replaced (jco's decoder is not fatal) — so a misbehaving component fails alike on both paths.
import { typedArrays } from "./lower.ts";
import { at, type Source } from "./source.ts";
import {
  alignment,
  caseTypes,
  discriminantSize,
  fieldOffsets,
  flatten,
  memberTypes,
  payloadOffset,
  size,
  type WitType,
} from "./types.ts";

/** jco's bool lift: anything but 0 or 1 is the component's error. */
export function liftBool(value: number): boolean {
  if (value === 0) return false;
  if (value === 1) return true;
  throw new TypeError("invalid variant discriminant for bool");
}

const getters: Readonly<Record<string, string>> = {
  u8: "getUint8",
  s32: "getInt32",
  u32: "getUint32",
  s64: "getBigInt64",
  u64: "getBigUint64",
  f32: "getFloat32",
  f64: "getFloat64",
};

function discriminantGetter(cases: number): string {
  return ["getUint8", "getUint16", "", "getUint32"][discriminantSize(cases) - 1] as string;
}

/** The hoisted helper mapping an enum's index to its case name. */
function enumName(src: Source, cases: readonly string[]): string {
  return src.helper(`lift enum ${JSON.stringify(cases)}`, (name) => {
    const names = JSON.stringify(cases);
    const message = `invalid discriminant specified for an enum (${cases.join(", ")}): `;
    return `const ${name}Names = ${names};\nfunction ${name}(i) { const name = ${name}Names[i]; if (name === undefined) throw new TypeError(${JSON.stringify(message)} + i); return name; }`;
  });
}

/** Emits what lifting the value at `addr` needs; returns the expression of the value. */
export function liftFrom(src: Source, type: WitType, addr: string): string {
  switch (type.kind) {
    case "bool":
      return `liftBool(view.getUint8(${addr}))`;
    case "u32":
      return `view.getUint32(${addr}, true)`;
    case "enum":
      return `${enumName(src, type.cases)}(view.${discriminantGetter(type.cases.length)}(${addr}, true))`;
    case "string": {
      const [ptr, n] = [src.name("str"), src.name("n")];
      src.emit(
        `const ${ptr} = view.getUint32(${addr}, true), ${n} = view.getUint32(${at(addr, 4)}, true);`,
      );
      return `liftString(m, ${ptr}, ${n})`;
    }
    case "list":
      return liftList(src, type.element, addr);
    case "option":
    case "variant": {
      const result = src.name("o");
      const payload = at(addr, payloadOffset(type));
      const cases = caseTypes(type);
      const count = type.kind === "option" ? 2 : cases.length;
      src.emit(`let ${result};`);
      src.emit(`switch (view.${discriminantGetter(count)}(${addr}, true)) {`);
      if (type.kind === "option") src.emit(`case 0: ${result} = undefined; break;`);
      cases.forEach((payloadType, i) => {
        src.emit(`case ${type.kind === "option" ? 1 : i}: {`);
        const value = liftFrom(src, payloadType, payload);
        const shaped =
          type.kind === "option"
            ? value
            : `{ tag: ${JSON.stringify(type.cases[i]?.name)}, val: ${value} }`;
        src.emit(`${result} = ${shaped}; break; }`);
      });
      const what = type.kind === "option" ? "option" : "variant";
      src.emit(`default: throw new TypeError("invalid variant discriminant for ${what}"); }`);
      return result;
    }
    case "record":
    case "tuple": {
      const members = memberTypes(type);
      const offsets = fieldOffsets(members);
      const values = members.map((member, i) => {
        const value = liftFrom(src, member, at(addr, offsets[i] as number));
        // Bound in order, so the statements of later members come after.
        const name = src.name("m");
        src.emit(`const ${name} = ${value};`);
        return name;
      });
      return shape(type, values);
    }
    default:
      return `view.${getters[type.kind]}(${addr}, true)`;
  }
}

function shape(type: Extract<WitType, { kind: "record" | "tuple" }>, values: string[]): string {
  if (type.kind === "tuple") return `[${values.join(", ")}]`;
  return `{ ${type.fields.map((f, i) => `${JSON.stringify(f.key)}: ${values[i]}`).join(", ")} }`;
}

function liftList(src: Source, element: WitType, addr: string): string {
  const [ptr, n] = [src.name("list"), src.name("n")];
  const width = size(element);
  const align = alignment(element);
  src.emit(
    `const ${ptr} = view.getUint32(${addr}, true), ${n} = view.getUint32(${at(addr, 4)}, true);`,
  );
  if (align > 1) {
    src.emit(
      `if (${ptr} % ${align} !== 0) throw new TypeError("list pointer [" + ${ptr} + "] is not aligned to ${align}");`,
    );
  }
  const typed = typedArrays[element.kind];
  if (typed !== undefined) {
    // A copy of the bytes (jco slices the buffer; both clamp at the end of memory); the
    // pointer is aligned to the element size, checked above.
    const index = width === 1 ? ptr : `${ptr} / ${width}`;
    return `m.${typed[1]}.slice(${index}, ${index} + ${n})`;
  }
  const [result, i] = [src.name("r"), src.name("i")];
  src.emit(`const ${result} = [];`);
  src.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
  const value = liftFrom(src, element, `${ptr} + ${i} * ${width}`);
  src.emit(`${result}.push(${value});`, "}");
  return result;
}

/** The value of a type that flattens to one core value, from that value (a flat result). */
export function liftFlat(src: Source, type: WitType, value: string): string {
  switch (type.kind) {
    case "bool":
      return `liftBool(${value})`;
    case "u32":
      return `(${value} >>> 0)`;
    case "u64":
      return `BigInt.asUintN(64, ${value})`;
    case "u8":
      return `(${value} & 0xff)`;
    case "enum":
      return `${enumName(src, type.cases)}(${value} >>> 0)`;
    case "record":
    case "tuple": {
      // One member flattens to the one value; a record without members flattens to none.
      const members = memberTypes(type);
      const values = members.map((member) =>
        flatten(member).length === 1 ? liftFlat(src, member, value) : "undefined",
      );
      return shape(type, values);
    }
    default:
      return value;
  }
}
