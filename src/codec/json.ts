// Component values ⇄ protobuf JSON (the proto3 JSON mapping), from the same Field plan as the
// binary codec, so a request sent as JSON reaches the component in exactly the shapes a binary
// one does (values.ts). Names: a field's JSON name is the lowerCamelCase of its proto name
// (`add-floats` → `addFloats`, which is also jco's record key); parsing accepts the proto name
// (`add_floats`) too. Enums are written by their proto value names (`light-blue` →
// `LIGHT_BLUE`). 64-bit integers are strings, bytes are base64, NaN and the infinities are
// strings, float32 values are written with the fewest digits that read back as the same float.
// JSON text has no -0: JSON.stringify writes it as 0.
import type { Field, ScalarType } from "../metadata/index.ts";
import { describe } from "./encode-support.ts";
import { DecodeError, EncodeError } from "./errors.ts";
import { recordKey } from "./names.ts";
import type {
  EnumPlan,
  FieldPlan,
  MapPlan,
  MessageFieldPlan,
  MessagePlan,
  ScalarPlan,
} from "./plan.ts";
import { planMessage } from "./plan.ts";
import type { ComponentRecord, ComponentValue, ComponentVariant } from "./values.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** One message's JSON mapping, compiled once. */
export interface JsonCodec {
  /** A parsed JSON request (what `JSON.parse` returns) as the record a component takes. */
  fromJson(json: unknown): ComponentRecord;
  /** A record a component returned as a JSON object, for `JSON.stringify`. */
  toJson(record: ComponentRecord): JsonObject;
}

/**
 * A JSON request that does not fit the message. The path names JSON fields and list indexes,
 * outermost first: `Malformed request (.inner.values[2]): expected a number, got string "x"`.
 */
export class JsonDecodeError extends DecodeError {
  override name = "JsonDecodeError";

  constructor(path: string, reason: string) {
    super(reason);
    this.path = path;
    this.message = this.describe();
  }
}

/** A component value that does not fit the response message: `Invalid response (.result): …`. */
export class JsonEncodeError extends EncodeError {
  override name = "JsonEncodeError";

  constructor(path: string, reason: string) {
    super(reason);
    this.path = path;
    this.message = this.describe();
  }
}

/** Builds the JSON mapping of a request/response (or any message) Field; throws CodecBuildError. */
export function compileJsonCodec(message: Field): JsonCodec {
  const plan = compileMessage(planMessage(message));
  return {
    fromJson: (json) => recordFromJson(plan, json, ""),
    toJson: (record) => recordToJson(plan, record, ""),
  };
}

/** A field's JSON name is jco's record key; parsers also accept its proto name. */
const jsonName = recordKey;
const protoName = (name: string) => name.replaceAll("-", "_");
const enumValueName = (name: string) => name.replaceAll("-", "_").toUpperCase();

type ValuePlan = ScalarPlan | EnumPlan | MessageFieldPlan | MapPlan;

interface CompiledMessage {
  fields: CompiledField[];
  /** JSON name and proto name → the field (for a oneof: its variant) they stand for. */
  byName: Map<string, { field: CompiledField; variant?: CompiledVariant }>;
}

interface CompiledField {
  /** jco's record key. */
  key: string;
  /** The JSON name; for a oneof, its name (oneofs have no JSON key of their own). */
  json: string;
  plan: FieldPlan;
  message?: CompiledMessage;
  /** A map's value message. */
  valueMessage?: CompiledMessage;
  variants?: CompiledVariant[];
  enumCases?: EnumCases;
}

/** What reading or writing one singular value needs. */
interface Single {
  plan: ScalarPlan | EnumPlan | MessageFieldPlan;
  message?: CompiledMessage;
  enumCases?: EnumCases;
}

interface CompiledVariant extends Single {
  tag: string;
  json: string;
}

interface EnumCases {
  /** Proto value name and case name → case name. */
  byName: Map<string, string>;
  byNumber: Map<number, string>;
  /** Case name → proto value name. */
  jsonOf: Map<string, string>;
  zeroCase: string | undefined;
}

function compileMessage(plan: MessagePlan): CompiledMessage {
  const byName: CompiledMessage["byName"] = new Map();
  const fields = plan.fields.map((fieldPlan): CompiledField => {
    if (fieldPlan.kind === "oneof") {
      const variants = fieldPlan.variants.map((variant) => ({
        tag: variant.name,
        json: jsonName(variant.name),
        plan: variant,
        ...nested(variant),
      }));
      const field: CompiledField = {
        key: fieldPlan.key,
        json: jsonName(fieldPlan.name),
        plan: fieldPlan,
        variants,
      };
      for (const variant of variants) {
        byName.set(variant.json, { field, variant });
        byName.set(protoName(variant.tag), { field, variant });
      }
      return field;
    }
    const field: CompiledField = {
      key: fieldPlan.key,
      json: jsonName(fieldPlan.name),
      plan: fieldPlan,
      ...nested(fieldPlan),
    };
    byName.set(field.json, { field });
    byName.set(protoName(fieldPlan.name), { field });
    return field;
  });
  return { fields, byName };
}

function nested(plan: ValuePlan): Pick<CompiledField, "message" | "valueMessage" | "enumCases"> {
  switch (plan.kind) {
    case "message":
      return { message: compileMessage(plan.message) };
    case "enum":
      return { enumCases: enumCases(plan) };
    case "map":
      if (plan.valueField.kind === "message") {
        return { valueMessage: compileMessage(plan.valueField.message) };
      }
      if (plan.valueField.kind === "enum") return { enumCases: enumCases(plan.valueField) };
      return {};
    case "scalar":
      return {};
  }
}

function enumCases(plan: EnumPlan): EnumCases {
  const byName = new Map<string, string>();
  const byNumber = new Map<number, string>();
  const jsonOf = new Map<string, string>();
  for (const { name, number } of plan.cases) {
    byName.set(enumValueName(name), name);
    byName.set(name, name);
    if (!byNumber.has(number)) byNumber.set(number, name);
    jsonOf.set(name, enumValueName(name));
  }
  return { byName, byNumber, jsonOf, zeroCase: plan.zeroCase };
}

// ---------------------------------------------------------------------------------------------
// JSON → component values

function recordFromJson(message: CompiledMessage, json: unknown, path: string): ComponentRecord {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new JsonDecodeError(path, `expected a JSON object, got ${describe(json)}`);
  }
  const record: ComponentRecord = {};
  for (const field of message.fields) record[field.key] = defaultOf(field.plan);
  const seen = new Set<CompiledField>();
  for (const [name, value] of Object.entries(json)) {
    const found = message.byName.get(name);
    if (!found) throw new JsonDecodeError(path, `unknown field ${JSON.stringify(name)}`);
    const { field, variant } = found;
    const at = `${path}.${variant?.json ?? field.json}`;
    if (value === null) continue;
    if (seen.has(field)) {
      throw new JsonDecodeError(
        at,
        variant
          ? `more than one variant of oneof ${JSON.stringify(field.json)}`
          : "the field appears twice (by its JSON name and its proto name)",
      );
    }
    seen.add(field);
    record[field.key] = variant
      ? ({ tag: variant.tag, val: singleFromJson(variant, value, at) } satisfies ComponentVariant)
      : fieldFromJson(field, value, at);
  }
  return record;
}

/** The value of a field absent from the JSON (or null there). */
function defaultOf(plan: FieldPlan): ComponentValue {
  switch (plan.kind) {
    case "oneof":
      return undefined;
    case "map":
      return [];
    case "message":
      return plan.repeated ? [] : undefined;
    case "enum":
      if (plan.presence === "IMPLICIT") return plan.zeroCase;
      return plan.presence === "EXPLICIT" ? undefined : [];
    case "scalar":
      if (plan.presence === "EXPLICIT") return undefined;
      if (plan.presence === "IMPLICIT") return scalarDefault(plan.type);
      return typedList(plan.type, []) ?? [];
  }
}

function fieldFromJson(field: CompiledField, value: unknown, path: string): ComponentValue {
  const plan = field.plan as ValuePlan;
  // Where the plan is singular, so is the field: as a Single it reads one value.
  const single = field as Single;
  switch (plan.kind) {
    case "map":
      return mapFromJson(field, plan, value, path);
    case "message":
      if (!plan.repeated) return singleFromJson(single, value, path);
      return listFromJson(value, path, (item, at) =>
        recordFromJson(field.message as CompiledMessage, item, at),
      );
    case "enum":
    case "scalar": {
      if (plan.presence === "IMPLICIT" || plan.presence === "EXPLICIT") {
        return singleFromJson(single, value, path);
      }
      const items = listFromJson(value, path, (item, at) =>
        plan.kind === "enum"
          ? enumFromJson(field.enumCases as EnumCases, item, at)
          : scalarFromJson(plan.type, item, at),
      );
      return plan.kind === "scalar" ? (typedList(plan.type, items) ?? items) : items;
    }
  }
}

/** One value of a singular field or a oneof variant (never null here). */
function singleFromJson(field: Single, value: unknown, path: string): ComponentValue {
  switch (field.plan.kind) {
    case "message":
      return recordFromJson(field.message as CompiledMessage, value, path);
    case "enum":
      return enumFromJson(field.enumCases as EnumCases, value, path);
    case "scalar":
      return scalarFromJson(field.plan.type, value, path);
  }
}

function listFromJson(
  value: unknown,
  path: string,
  item: (value: unknown, path: string) => ComponentValue,
): ComponentValue[] {
  if (!Array.isArray(value))
    throw new JsonDecodeError(path, `expected an array, got ${describe(value)}`);
  return value.map((element, i) => {
    const at = `${path}[${i}]`;
    if (element === null) throw new JsonDecodeError(at, "null is not allowed in a list");
    return item(element, at);
  });
}

function mapFromJson(
  field: CompiledField,
  plan: MapPlan,
  value: unknown,
  path: string,
): ComponentValue {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new JsonDecodeError(path, `expected a JSON object for a map, got ${describe(value)}`);
  }
  const valueField: Single = {
    plan: plan.valueField,
    message: field.valueMessage,
    enumCases: field.enumCases,
  };
  // Two spellings of one key (`"1"`, `"01"`) keep the last value at the first one's position,
  // as repeated keys do in the binary decoder.
  const entries = new Map<ComponentValue, ComponentValue>();
  for (const [key, entry] of Object.entries(value)) {
    const at = `${path}[${JSON.stringify(key)}]`;
    if (entry === null) throw new JsonDecodeError(at, "null is not allowed as a map value");
    entries.set(mapKeyFromJson(plan.keyField.type, key, at), singleFromJson(valueField, entry, at));
  }
  return [...entries];
}

function mapKeyFromJson(type: ScalarType, key: string, path: string): ComponentValue {
  if (type === "STRING_UTF8" || type === "STRING_PERMISSIVE") return key;
  if (type === "BOOL") {
    if (key === "true" || key === "false") return key === "true";
    throw new JsonDecodeError(
      path,
      `expected the map key "true" or "false", got ${JSON.stringify(key)}`,
    );
  }
  return scalarFromJson(type, key, path);
}

function enumFromJson(cases: EnumCases, value: unknown, path: string): string {
  if (typeof value === "string") {
    const name = cases.byName.get(value);
    if (name === undefined)
      throw new JsonDecodeError(path, `unknown enum value ${JSON.stringify(value)}`);
    return name;
  }
  if (
    typeof value === "number" &&
    Number.isInteger(value) &&
    value >= -(2 ** 31) &&
    value < 2 ** 32
  ) {
    // An unknown number reads as the case numbered 0, as in the binary decoder.
    const name = cases.byNumber.get(value >>> 0) ?? cases.zeroCase;
    if (name === undefined)
      throw new JsonDecodeError(path, `unknown enum number ${value} and no default`);
    return name;
  }
  throw new JsonDecodeError(path, `expected an enum name or number, got ${describe(value)}`);
}

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };

function scalarFromJson(type: ScalarType, value: unknown, path: string): ComponentValue {
  switch (type) {
    case "STRING_UTF8":
    case "STRING_PERMISSIVE":
      if (typeof value === "string") return value;
      throw new JsonDecodeError(path, `expected a string, got ${describe(value)}`);
    case "BYTES":
      return bytesFromJson(value, path);
    case "BOOL":
      if (typeof value === "boolean") return value;
      throw new JsonDecodeError(path, `expected true or false, got ${describe(value)}`);
    case "INT32":
    case "SINT32":
    case "SFIXED32":
      return int32FromJson(value, INT32, path);
    case "UINT32":
    case "FIXED32":
      return int32FromJson(value, UINT32, path);
    case "INT64":
    case "SINT64":
    case "SFIXED64":
      return int64FromJson(value, INT64, path);
    case "UINT64":
    case "FIXED64":
      return int64FromJson(value, UINT64, path);
    case "FLOAT": {
      const float = floatFromJson(value, path);
      const rounded = Math.fround(float);
      if (Number.isFinite(float) && !Number.isFinite(rounded)) {
        throw new JsonDecodeError(path, `${float} is out of range for float`);
      }
      return rounded;
    }
    case "DOUBLE":
      return floatFromJson(value, path);
  }
}

/** A JSON number, or a string holding one: the mapping accepts both for every number type. */
function numberOf(value: unknown, path: string, what: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() === value && value !== "") {
    const number = Number(value);
    if (!Number.isNaN(number)) return number;
  }
  throw new JsonDecodeError(path, `expected ${what}, got ${describe(value)}`);
}

function int32FromJson(value: unknown, range: { min: number; max: number }, path: string): number {
  const number = numberOf(value, path, "an integer");
  if (!Number.isInteger(number))
    throw new JsonDecodeError(path, `expected an integer, got ${describe(value)}`);
  if (number < range.min || number > range.max) {
    throw new JsonDecodeError(path, `${number} is out of range ${range.min} to ${range.max}`);
  }
  return number;
}

const INTEGER_TEXT = /^-?(?:0|[1-9]\d*)$/;

function int64FromJson(value: unknown, range: { min: bigint; max: bigint }, path: string): bigint {
  let integer: bigint;
  if (typeof value === "string" && INTEGER_TEXT.test(value)) integer = BigInt(value);
  else {
    // Exponent forms like "1e3" are integers too.
    const number = numberOf(value, path, "an integer");
    if (!Number.isInteger(number))
      throw new JsonDecodeError(path, `expected an integer, got ${describe(value)}`);
    integer = BigInt(number);
  }
  if (integer < range.min || integer > range.max) {
    throw new JsonDecodeError(path, `${integer} is out of range ${range.min} to ${range.max}`);
  }
  return integer;
}

function floatFromJson(value: unknown, path: string): number {
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  const number = numberOf(value, path, "a number");
  if (!Number.isFinite(number))
    throw new JsonDecodeError(path, `expected a number, got ${describe(value)}`);
  return number;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Standard or URL-safe base64, with or without padding. */
function bytesFromJson(value: unknown, path: string): Uint8Array {
  if (
    typeof value !== "string" ||
    !BASE64.test(value) ||
    value.replace(/=+$/, "").length % 4 === 1
  ) {
    throw new JsonDecodeError(path, `expected base64 bytes, got ${describe(value)}`);
  }
  const bytes = Buffer.from(value.replaceAll("-", "+").replaceAll("_", "/"), "base64");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

// ---------------------------------------------------------------------------------------------
// component values → JSON

function recordToJson(message: CompiledMessage, record: unknown, path: string): JsonObject {
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    throw new JsonEncodeError(path, `expected a record, got ${describe(record)}`);
  }
  const values = record as ComponentRecord;
  const json: JsonObject = {};
  for (const field of message.fields) {
    const value = values[field.key];
    if (field.variants) {
      if (value === undefined || value === null) continue;
      const { tag, val } = value as ComponentVariant;
      const variant = field.variants.find((v) => v.tag === tag);
      if (!variant) {
        throw new JsonEncodeError(
          `${path}.${field.json}`,
          `unrecognized oneof variant ${describe(tag)}`,
        );
      }
      const at = `${path}.${variant.json}`;
      if (val === undefined || val === null)
        throw new JsonEncodeError(at, `oneof variant "${tag}" lacks a payload`);
      json[variant.json] = singleToJson(variant, val, at);
      continue;
    }
    const at = `${path}.${field.json}`;
    const out = fieldToJson(field, value, at);
    if (out !== undefined) json[field.json] = out;
  }
  return json;
}

/** The JSON of one record field, or undefined where the mapping leaves the field out. */
function fieldToJson(
  field: CompiledField,
  value: ComponentValue,
  path: string,
): JsonValue | undefined {
  const plan = field.plan as ValuePlan;
  // Where the plan is singular, so is the field: as a Single it reads one value.
  const single = field as Single;
  switch (plan.kind) {
    case "map": {
      const entries = listOf(value, path);
      if (entries.length === 0) return undefined;
      const valueField: Single = {
        plan: plan.valueField,
        message: field.valueMessage,
        enumCases: field.enumCases,
      };
      const json: JsonObject = {};
      entries.forEach((entry, i) => {
        const at = `${path}[${i}]`;
        if (!Array.isArray(entry) || entry.length !== 2) {
          throw new JsonEncodeError(at, `expected a [key, value] tuple, got ${describe(entry)}`);
        }
        const key = scalarToJson(plan.keyField.type, entry[0], at);
        // Defined, not assigned: a key may be "__proto__".
        Object.defineProperty(json, String(key), {
          value: singleToJson(valueField, entry[1], at),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      });
      return json;
    }
    case "message":
      if (plan.repeated) {
        const items = listOf(value, path);
        if (items.length === 0) return undefined;
        return items.map((item, i) =>
          recordToJson(field.message as CompiledMessage, item, `${path}[${i}]`),
        );
      }
      return value === undefined || value === null ? undefined : singleToJson(single, value, path);
    case "enum":
    case "scalar":
      switch (plan.presence) {
        case "EXPLICIT":
          return value === undefined || value === null
            ? undefined
            : singleToJson(single, value, path);
        case "IMPLICIT":
          return isDefault(plan, value) ? undefined : singleToJson(single, value, path);
        default: {
          const items = listOf(value, path);
          if (items.length === 0) return undefined;
          return items.map((item, i) =>
            singleToJson(single, item as ComponentValue, `${path}[${i}]`),
          );
        }
      }
  }
}

function singleToJson(field: Single, value: ComponentValue, path: string): JsonValue {
  switch (field.plan.kind) {
    case "message":
      return recordToJson(field.message as CompiledMessage, value, path);
    case "enum": {
      const name = typeof value === "string" ? field.enumCases?.jsonOf.get(value) : undefined;
      if (name === undefined)
        throw new JsonEncodeError(path, `unrecognized enum case ${describe(value)}`);
      return name;
    }
    case "scalar":
      return scalarToJson(field.plan.type, value, path);
  }
}

function scalarToJson(type: ScalarType, value: unknown, path: string): JsonValue {
  const mismatch = (expected: string) =>
    new JsonEncodeError(path, `expected ${expected}, got ${describe(value)}`);
  switch (type) {
    case "STRING_UTF8":
    case "STRING_PERMISSIVE":
      if (typeof value !== "string") throw mismatch("a string");
      return value;
    case "BYTES":
      if (!(value instanceof Uint8Array)) throw mismatch("list<u8> (Uint8Array)");
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
    case "BOOL":
      if (typeof value !== "boolean") throw mismatch("a bool");
      return value;
    case "INT32":
    case "SINT32":
    case "SFIXED32":
    case "UINT32":
    case "FIXED32":
      if (typeof value !== "number" || !Number.isInteger(value)) throw mismatch("an integer");
      return value;
    case "INT64":
    case "SINT64":
    case "SFIXED64":
    case "UINT64":
    case "FIXED64":
      if (typeof value === "bigint") return value.toString();
      if (typeof value === "number" && Number.isInteger(value)) return String(value);
      throw mismatch("a bigint");
    case "FLOAT":
      if (typeof value !== "number") throw mismatch("a number");
      return Number.isFinite(value) ? shortestFloat32(value) : String(value);
    case "DOUBLE":
      if (typeof value !== "number") throw mismatch("a number");
      return Number.isFinite(value) ? value : String(value);
  }
}

/** The number with the fewest digits that is the same float32: 2.299999952316284 → 2.3. */
function shortestFloat32(value: number): number {
  const float = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(float.toPrecision(digits));
    if (Math.fround(candidate) === float) return candidate;
  }
  return float;
}

function isDefault(plan: ScalarPlan | EnumPlan, value: ComponentValue): boolean {
  if (plan.kind === "enum") return value === plan.zeroCase;
  switch (typeof value) {
    case "number":
      return Object.is(value, 0);
    case "bigint":
      return value === 0n;
    case "string":
      return value === "";
    case "boolean":
      return value === false;
    default:
      return value instanceof Uint8Array && value.length === 0;
  }
}

function listOf(value: ComponentValue, path: string): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as ArrayLike<unknown>);
  throw new JsonEncodeError(path, `expected a list, got ${describe(value)}`);
}

function scalarDefault(type: ScalarType): ComponentValue {
  switch (type) {
    case "BYTES":
      return new Uint8Array(0);
    case "STRING_UTF8":
    case "STRING_PERMISSIVE":
      return "";
    case "BOOL":
      return false;
    case "INT64":
    case "SINT64":
    case "SFIXED64":
    case "UINT64":
    case "FIXED64":
      return 0n;
    default:
      return 0;
  }
}

/** Repeated numbers as the typed arrays jco lifts them to (values.ts). */
function typedList(type: ScalarType, items: ComponentValue[]): ComponentValue | undefined {
  switch (type) {
    case "INT32":
    case "SINT32":
    case "SFIXED32":
      return Int32Array.from(items as number[]);
    case "UINT32":
    case "FIXED32":
      return Uint32Array.from(items as number[]);
    case "INT64":
    case "SINT64":
    case "SFIXED64":
      return BigInt64Array.from(items as bigint[]);
    case "UINT64":
    case "FIXED64":
      return BigUint64Array.from(items as bigint[]);
    case "FLOAT":
      return Float32Array.from(items as number[]);
    case "DOUBLE":
      return Float64Array.from(items as number[]);
    default:
      return undefined;
  }
}
