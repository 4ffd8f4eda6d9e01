// The WIT types of a method's request and response, as src/compiler emits them from a message
// plan, and their canonical-ABI layout: size and alignment in linear memory, and the flat core
// values they take as parameters or results (component-model CanonicalABI.md).
import type { FieldPlan, MessagePlan } from "../../../src/codec/index.ts";

export type Primitive = "bool" | "u8" | "s32" | "u32" | "s64" | "u64" | "f32" | "f64";

export type WitType =
  | { kind: Primitive }
  | { kind: "string" }
  | { kind: "list"; element: WitType }
  | { kind: "option"; value: WitType }
  | { kind: "enum"; cases: readonly string[] }
  | { kind: "variant"; cases: readonly { name: string; type: WitType }[] }
  | { kind: "record"; fields: readonly { key: string; type: WitType }[] }
  | { kind: "tuple"; items: readonly WitType[] };

export type RecordType = Extract<WitType, { kind: "record" }>;

/** A core WebAssembly value type. */
export type CoreType = "i32" | "i64" | "f32" | "f64";

/** Protobuf scalar types (the Metadata's names) and their WIT types. */
const scalarTypes: Readonly<Record<string, WitType>> = {
  BYTES: { kind: "list", element: { kind: "u8" } },
  STRING_UTF8: { kind: "string" },
  STRING_PERMISSIVE: { kind: "string" },
  BOOL: { kind: "bool" },
  FLOAT: { kind: "f32" },
  DOUBLE: { kind: "f64" },
  INT32: { kind: "s32" },
  SINT32: { kind: "s32" },
  SFIXED32: { kind: "s32" },
  UINT32: { kind: "u32" },
  FIXED32: { kind: "u32" },
  INT64: { kind: "s64" },
  SINT64: { kind: "s64" },
  SFIXED64: { kind: "s64" },
  UINT64: { kind: "u64" },
  FIXED64: { kind: "u64" },
};

function scalarType(type: string): WitType {
  const wit = scalarTypes[type];
  if (!wit) throw new Error(`no WIT type for protobuf scalar ${type}`);
  return wit;
}

/** IMPLICIT is the bare type, EXPLICIT an option, PACKED and EXPANDED a list (ref §4.2). */
function withPresence(type: WitType, presence: string): WitType {
  if (presence === "EXPLICIT") return { kind: "option", value: type };
  if (presence === "PACKED" || presence === "EXPANDED") return { kind: "list", element: type };
  return type;
}

/**
 * The record a message plan is, in the compiler's field order (it builds each WIT field with
 * its Metadata Field, so the orders agree; enum cases and oneof variants likewise).
 */
export function recordType(message: MessagePlan): RecordType {
  return {
    kind: "record",
    fields: message.fields.map((f) => ({ key: f.key, type: fieldType(f) })),
  };
}

function fieldType(field: FieldPlan): WitType {
  switch (field.kind) {
    case "scalar":
      return withPresence(scalarType(field.type), field.presence);
    case "enum":
      return withPresence(enumType(field), field.presence);
    case "message": {
      const record = recordType(field.message);
      return field.repeated ? { kind: "list", element: record } : { kind: "option", value: record };
    }
    case "oneof":
      return {
        kind: "option",
        value: {
          kind: "variant",
          cases: field.variants.map((v) => ({ name: v.name, type: bareType(v) })),
        },
      };
    case "map":
      return {
        kind: "list",
        element: {
          kind: "tuple",
          items: [scalarType(field.keyField.type), bareType(field.valueField)],
        },
      };
  }
}

/** A oneof variant's or a map value's type: the value itself, never an option or a list. */
function bareType(field: Extract<FieldPlan, { kind: "scalar" | "enum" | "message" }>): WitType {
  if (field.kind === "scalar") return scalarType(field.type);
  if (field.kind === "enum") return enumType(field);
  return recordType(field.message);
}

function enumType(field: Extract<FieldPlan, { kind: "enum" }>): WitType {
  return { kind: "enum", cases: field.cases.map((c) => c.name) };
}

const primitiveSizes: Readonly<Record<Primitive, number>> = {
  bool: 1,
  u8: 1,
  s32: 4,
  u32: 4,
  f32: 4,
  s64: 8,
  u64: 8,
  f64: 8,
};

export function alignTo(offset: number, align: number): number {
  return Math.ceil(offset / align) * align;
}

/** The discriminant's byte size of an enum or variant with `cases` cases. */
export function discriminantSize(cases: number): number {
  return cases <= 256 ? 1 : cases <= 65536 ? 2 : 4;
}

export function alignment(type: WitType): number {
  switch (type.kind) {
    case "string":
    case "list":
      return 4;
    case "enum":
      return discriminantSize(type.cases.length);
    case "option":
      return Math.max(1, alignment(type.value));
    case "variant":
      return Math.max(
        discriminantSize(type.cases.length),
        ...type.cases.map((c) => alignment(c.type)),
      );
    case "record":
      return Math.max(1, ...type.fields.map((f) => alignment(f.type)));
    case "tuple":
      return Math.max(1, ...type.items.map(alignment));
    default:
      return primitiveSizes[type.kind];
  }
}

export function size(type: WitType): number {
  switch (type.kind) {
    case "string":
    case "list":
      return 8;
    case "enum":
      return discriminantSize(type.cases.length);
    case "option":
    case "variant": {
      const payload = payloadOffset(type);
      const largest = Math.max(0, ...caseTypes(type).map(size));
      return alignTo(payload + largest, alignment(type));
    }
    case "record":
    case "tuple": {
      const members = memberTypes(type);
      const offsets = fieldOffsets(members);
      const last = members.length - 1;
      const end = last < 0 ? 0 : (offsets[last] as number) + size(members[last] as WitType);
      return alignTo(end, alignment(type));
    }
    default:
      return primitiveSizes[type.kind];
  }
}

/** An option's or variant's case payload types, in discriminant order (an option's none: none). */
export function caseTypes(type: Extract<WitType, { kind: "option" | "variant" }>): WitType[] {
  return type.kind === "option" ? [type.value] : type.cases.map((c) => c.type);
}

/** Where an option's or variant's payload starts. */
export function payloadOffset(type: Extract<WitType, { kind: "option" | "variant" }>): number {
  const cases = type.kind === "option" ? 2 : type.cases.length;
  return alignTo(discriminantSize(cases), Math.max(1, ...caseTypes(type).map(alignment)));
}

export function memberTypes(type: Extract<WitType, { kind: "record" | "tuple" }>): WitType[] {
  return type.kind === "record" ? type.fields.map((f) => f.type) : [...type.items];
}

/** Offsets of a record's or tuple's members, each at its own alignment. */
export function fieldOffsets(members: readonly WitType[]): number[] {
  let at = 0;
  return members.map((member) => {
    at = alignTo(at, alignment(member));
    const offset = at;
    at += size(member);
    return offset;
  });
}

/** The core values a type flattens to; a variant's cases share joined slots after its tag. */
export function flatten(type: WitType): CoreType[] {
  switch (type.kind) {
    case "string":
    case "list":
      return ["i32", "i32"];
    case "enum":
      return ["i32"];
    case "option":
    case "variant": {
      const slots: CoreType[] = [];
      for (const payload of caseTypes(type)) {
        flatten(payload).forEach((t, i) => {
          const have = slots[i];
          slots[i] = have === undefined ? t : join(have, t);
        });
      }
      return ["i32", ...slots];
    }
    case "record":
    case "tuple":
      return memberTypes(type).flatMap(flatten);
    case "s64":
    case "u64":
      return ["i64"];
    case "f32":
      return ["f32"];
    case "f64":
      return ["f64"];
    default:
      return ["i32"];
  }
}

export function join(a: CoreType, b: CoreType): CoreType {
  if (a === b) return a;
  if ((a === "i32" && b === "f32") || (a === "f32" && b === "i32")) return "i32";
  return "i64";
}
