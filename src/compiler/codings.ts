// Proto field types → WIT types and Metadata codings (ref §4.1–4.2), and the Metadata tree's
// depth as the codec counts it.
import { ScalarType } from "@bufbuild/protobuf";
import {
  type ScalarType as CodingType,
  CompoundCoding,
  type CompoundCodingName,
  type Field,
  ScalarCoding,
  type ScalarCodingName,
  type ScalarKind,
} from "../metadata/index.ts";
import type { Primitive, TypeDef, WitType } from "./model.ts";

const scalars: Record<ScalarType, { wit: Primitive; coding: CodingType }> = {
  [ScalarType.DOUBLE]: { wit: "f64", coding: "DOUBLE" },
  [ScalarType.FLOAT]: { wit: "f32", coding: "FLOAT" },
  [ScalarType.INT64]: { wit: "s64", coding: "INT64" },
  [ScalarType.UINT64]: { wit: "u64", coding: "UINT64" },
  [ScalarType.INT32]: { wit: "s32", coding: "INT32" },
  [ScalarType.FIXED64]: { wit: "u64", coding: "FIXED64" },
  [ScalarType.FIXED32]: { wit: "u32", coding: "FIXED32" },
  [ScalarType.BOOL]: { wit: "bool", coding: "BOOL" },
  [ScalarType.STRING]: { wit: "string", coding: "STRING_UTF8" },
  [ScalarType.BYTES]: { wit: "u8", coding: "BYTES" },
  [ScalarType.UINT32]: { wit: "u32", coding: "UINT32" },
  [ScalarType.SFIXED32]: { wit: "s32", coding: "SFIXED32" },
  [ScalarType.SFIXED64]: { wit: "s64", coding: "SFIXED64" },
  [ScalarType.SINT32]: { wit: "s32", coding: "SINT32" },
  [ScalarType.SINT64]: { wit: "s64", coding: "SINT64" },
};

export const primitive = (name: Primitive): WitType => ({ kind: "primitive", name });
export const list = (of: WitType): WitType => ({ kind: "list", of });
export const option = (of: WitType): WitType => ({ kind: "option", of });
export const named = (def: TypeDef): WitType => ({ kind: "named", def });

/** `bytes` is `list<u8>`; every other scalar is a primitive. */
export function scalarType(scalar: ScalarType): WitType {
  const wit = primitive(scalars[scalar].wit);
  return scalar === ScalarType.BYTES ? list(wit) : wit;
}

/**
 * The Metadata coding of a scalar. Strings are checked for UTF-8 where the file's rules say so
 * (proto3), and copied as they come where they do not (proto2).
 */
export function scalarCoding(scalar: ScalarType, utf8: boolean, kind: ScalarKind): ScalarCoding {
  const type = scalars[scalar].coding;
  const checked = type === "STRING_UTF8" && !utf8 ? "STRING_PERMISSIVE" : type;
  return ScalarCoding[`${checked}_${kind}` as ScalarCodingName];
}

export const packable = (scalar: ScalarType) =>
  scalar !== ScalarType.STRING && scalar !== ScalarType.BYTES;

export function scalarField(number: number, name: string, coding: ScalarCoding): Field {
  return { number, name, subfields: [], coding: { scalar: coding } };
}

export function compoundField(
  number: number,
  name: string,
  coding: CompoundCodingName,
  subfields: Field[],
): Field {
  return { number, name, subfields, coding: { compound: CompoundCoding[coding] } };
}

const depths = new WeakMap<Field[], number>();

/** How many levels a message's Field tree has below its root (the codec's nesting count). */
export function depth(subfields: Field[]): number {
  const known = depths.get(subfields);
  if (known !== undefined) return known;
  let deepest = 0;
  for (const field of subfields) deepest = Math.max(deepest, depth(field.subfields));
  const levels = subfields.length === 0 ? 0 : deepest + 1;
  depths.set(subfields, levels);
  return levels;
}
