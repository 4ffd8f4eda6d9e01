// A Field tree checked once and turned into the plan the decoder and encoder are generated
// from. Build errors keep the original's wording (ref §4.3) where it had one.
import {
  CompoundCoding,
  type Field,
  MAX_FIELD_NESTING,
  type ScalarKind,
  type ScalarType,
  scalarCodingParts,
} from "../metadata/index.ts";
import { CodecBuildError } from "./errors.ts";
import { isWitLabel, recordKey } from "./names.ts";

interface Named {
  /** The WIT name: record field, variant case (the oneof's `tag`), or map key/value. */
  name: string;
  /** The record key jco uses for `name`. */
  key: string;
  number: number;
}

export interface ScalarPlan extends Named {
  kind: "scalar";
  type: ScalarType;
  presence: ScalarKind;
}

export interface EnumPlan extends Named {
  kind: "enum";
  presence: ScalarKind;
  cases: EnumCase[];
  /** The case numbered 0: what an unknown number decodes to. */
  zeroCase: string | undefined;
}

export interface EnumCase {
  /** The uint32 bit pattern of the int32 enum number. */
  number: number;
  name: string;
}

export interface MessageFieldPlan extends Named {
  kind: "message";
  repeated: boolean;
  message: MessagePlan;
}

export interface OneofPlan extends Omit<Named, "number"> {
  kind: "oneof";
  /** Each variant is encoded as an explicit field (MESSAGE counts as explicit). */
  variants: (ScalarPlan | EnumPlan | MessageFieldPlan)[];
}

export interface MapPlan extends Named {
  kind: "map";
  keyField: ScalarPlan;
  /** An implicit scalar, an implicit enum, or a (non-repeated) message: a bare record. */
  valueField: ScalarPlan | EnumPlan | MessageFieldPlan;
}

export type FieldPlan = ScalarPlan | EnumPlan | MessageFieldPlan | OneofPlan | MapPlan;

export interface MessagePlan {
  fields: FieldPlan[];
}

/** Bytes of each fixed-width scalar on the wire (wire types I32 and I64). */
export const fixedSize: Partial<Record<ScalarType, number>> = {
  SFIXED32: 4,
  FIXED32: 4,
  FLOAT: 4,
  SFIXED64: 8,
  FIXED64: 8,
  DOUBLE: 8,
};

/** Largest field number protobuf allows (2^29 − 1). */
const MAX_FIELD_NUMBER = 536_870_911;

const mapKeyTypes: ReadonlySet<ScalarType> = new Set([
  "STRING_UTF8",
  "STRING_PERMISSIVE",
  "BOOL",
  "INT32",
  "SINT32",
  "SFIXED32",
  "UINT32",
  "FIXED32",
  "INT64",
  "SINT64",
  "SFIXED64",
  "UINT64",
  "FIXED64",
]);

/** Checks a request/response message Field; only its subfields matter. */
export function planMessage(message: Field): MessagePlan {
  return messagePlan(message, "", 0);
}

function messagePlan(message: Field, path: string, level: number): MessagePlan {
  const fields = message.subfields.map((field) => fieldPlan(field, path, level + 1));
  const numbers = new Set<number>();
  const keys = new Set<string>();
  for (const field of fields) {
    const owned = field.kind === "oneof" ? field.variants : [field];
    for (const { number } of owned) {
      if (numbers.has(number)) throw new CodecBuildError(path, `Duplicate field number ${number}`);
      numbers.add(number);
    }
    if (keys.has(field.key)) {
      throw new CodecBuildError(path, `Duplicate record field "${field.name}" (key ${field.key})`);
    }
    keys.add(field.key);
  }
  return { fields };
}

function fieldPlan(field: Field, parentPath: string, level: number): FieldPlan {
  const path = `${parentPath}.${field.number}`;
  checkLevel(path, level);
  const coding = field.coding;
  if (coding && "compound" in coding && coding.compound === CompoundCoding.ONEOF) {
    // A oneof's own number is ignored: it is a record slot, not a proto field.
    return oneofPlan(field, parentPath, level);
  }
  checkNumber(field, path);
  checkLabel(field.name, path, `field #${field.number}`);
  return valuePlan(field, path, level);
}

/** The plan of a field that holds a value (everything but a oneof), without name checks. */
function valuePlan(
  field: Field,
  path: string,
  level: number,
): ScalarPlan | EnumPlan | MessageFieldPlan | MapPlan {
  const named = { name: field.name, key: recordKey(field.name), number: field.number };
  const coding = field.coding;
  if (!coding) throw new CodecBuildError(path, `Field #${field.number} missing required coding`);
  if ("scalar" in coding) {
    const parts = scalarCodingParts(coding.scalar);
    if (!parts) {
      throw new CodecBuildError(
        path,
        `Invalid ScalarCoding ${coding.scalar} for field #${field.number}`,
      );
    }
    return { kind: "scalar", ...named, type: parts.type, presence: parts.kind };
  }
  switch (coding.compound) {
    case CompoundCoding.ENUM_IMPLICIT:
      return enumPlan(field, named, "IMPLICIT", path, level);
    case CompoundCoding.ENUM_PACKED:
      return enumPlan(field, named, "PACKED", path, level);
    case CompoundCoding.ENUM_EXPLICIT:
      return enumPlan(field, named, "EXPLICIT", path, level);
    case CompoundCoding.ENUM_EXPANDED:
      return enumPlan(field, named, "EXPANDED", path, level);
    case CompoundCoding.MESSAGE:
    case CompoundCoding.MESSAGE_EXPANDED:
      return {
        kind: "message",
        ...named,
        repeated: coding.compound === CompoundCoding.MESSAGE_EXPANDED,
        message: messagePlan(field, path, level),
      };
    case CompoundCoding.MAP:
      return mapPlan(field, named, path, level);
    case CompoundCoding.ONEOF:
      throw new CodecBuildError(path, `Field #${field.number} cannot be a oneof here`);
    default:
      throw new CodecBuildError(
        path,
        `Invalid CompoundCoding ${coding.compound} for field #${field.number}`,
      );
  }
}

function enumPlan(
  field: Field,
  named: Named,
  presence: ScalarKind,
  path: string,
  level: number,
): EnumPlan {
  checkLevel(path, level + 1);
  const names = new Set<string>();
  const cases = field.subfields.map(({ number, name }) => {
    checkLabel(name, path, `case of enum #${field.number}`);
    if (names.has(name)) throw new CodecBuildError(path, `Duplicate enum case "${name}"`);
    names.add(name);
    if (!Number.isInteger(number) || number < 0 || number > 0xffffffff) {
      throw new CodecBuildError(path, `Enum case "${name}" has number ${number}, not a uint32`);
    }
    return { number, name };
  });
  if (cases.length === 0)
    throw new CodecBuildError(path, `Enum at field #${field.number} has no cases`);
  const zeroCase = cases.find((c) => c.number === 0)?.name;
  if (presence === "IMPLICIT" && zeroCase === undefined) {
    throw new CodecBuildError(
      path,
      `Implicit enum at field #${field.number} must have a default value`,
    );
  }
  return { kind: "enum", ...named, presence, cases, zeroCase };
}

function oneofPlan(field: Field, parentPath: string, level: number): OneofPlan {
  checkLabel(field.name, parentPath, "oneof");
  const variants = field.subfields.map((variant) => {
    const path = `${parentPath}.${variant.number}`;
    checkLevel(path, level + 1);
    checkNumber(variant, path);
    checkLabel(variant.name, path, `oneof variant #${variant.number}`);
    const plan = valuePlan(variant, path, level + 1);
    if (
      plan.kind === "map" ||
      (plan.kind === "message" ? plan.repeated : plan.presence !== "EXPLICIT")
    ) {
      throw new CodecBuildError(path, "Oneof variants must use explicit coding");
    }
    return plan;
  });
  if (variants.length === 0) {
    throw new CodecBuildError(parentPath, `Oneof "${field.name}" has no variants`);
  }
  return { kind: "oneof", name: field.name, key: recordKey(field.name), variants };
}

function mapPlan(field: Field, named: Named, path: string, level: number): MapPlan {
  const key = field.subfields.find((f) => f.number === 1);
  const value = field.subfields.find((f) => f.number === 2);
  if (field.subfields.length !== 2 || !key || !value) {
    throw new CodecBuildError(
      path,
      `Map at field #${field.number} must have exactly a key subfield #1 and a value subfield #2`,
    );
  }
  checkLevel(path, level + 1);
  const keyPlan = valuePlan(key, `${path}.1`, level + 1);
  if (
    keyPlan.kind !== "scalar" ||
    keyPlan.presence !== "IMPLICIT" ||
    !mapKeyTypes.has(keyPlan.type)
  ) {
    throw new CodecBuildError(
      `${path}.1`,
      `Map key at field #${field.number} must be an implicit integer, bool or string`,
    );
  }
  const valueField = valuePlan(value, `${path}.2`, level + 1);
  if (
    valueField.kind === "map" ||
    (valueField.kind === "message" ? valueField.repeated : valueField.presence !== "IMPLICIT")
  ) {
    throw new CodecBuildError(
      `${path}.2`,
      `Map value at field #${field.number} must be an implicit scalar, ENUM_IMPLICIT or MESSAGE`,
    );
  }
  return { kind: "map", ...named, keyField: keyPlan, valueField };
}

function checkLevel(path: string, level: number): void {
  if (level > MAX_FIELD_NESTING) {
    throw new CodecBuildError(path, `Field nesting exceeds ${MAX_FIELD_NESTING} levels`);
  }
}

function checkNumber(field: Field, path: string): void {
  const { number } = field;
  if (!Number.isInteger(number) || number < 1 || number > MAX_FIELD_NUMBER) {
    throw new CodecBuildError(
      path,
      `Invalid field number ${number} for "${field.name}": must be 1 to ${MAX_FIELD_NUMBER}`,
    );
  }
}

function checkLabel(name: string, path: string, what: string): void {
  if (!isWitLabel(name)) {
    throw new CodecBuildError(
      path,
      `Invalid name ${JSON.stringify(name)} for ${what}: not a WIT label (kebab-case)`,
    );
  }
}
