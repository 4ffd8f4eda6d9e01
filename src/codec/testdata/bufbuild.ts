// Bridges to @bufbuild/protobuf for the differential tests: descriptors from protoc, the Field a
// message descriptor stands for, the component value a message stands for, and random messages.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  create,
  createFileRegistry,
  type DescEnum,
  type DescField,
  type DescMessage,
  type FileRegistry,
  fromBinary,
  isFieldSet,
  ScalarType,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { ScalarType as CodingType, Field, ScalarCodingName } from "../../metadata/index.ts";
import { recordKey } from "../names.ts";
import type { ComponentRecord, ComponentValue } from "../values.ts";
import { fc } from "./fast-check.ts";
import { bare, compound, message, scalar } from "./fields.ts";

/** Compiles the .proto files of testdata/protos with protoc, as @bufbuild descriptors. */
export function loadRegistry(): FileRegistry {
  const dir = join(import.meta.dir, "protos");
  const files = readdirSync(dir).filter((name) => name.endsWith(".proto"));
  const scratch = mkdtempSync(join(tmpdir(), "vimana-codec-descriptors-"));
  try {
    const out = join(scratch, "set.binpb");
    const result = Bun.spawnSync(
      ["protoc", "-I", dir, "--include_imports", `--descriptor_set_out=${out}`, ...files],
      { cwd: dir },
    );
    if (!result.success) throw new Error(`protoc failed: ${result.stderr.toString()}`);
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(out)));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const codingTypes: Record<ScalarType, CodingType> = {
  [ScalarType.DOUBLE]: "DOUBLE",
  [ScalarType.FLOAT]: "FLOAT",
  [ScalarType.INT64]: "INT64",
  [ScalarType.UINT64]: "UINT64",
  [ScalarType.INT32]: "INT32",
  [ScalarType.FIXED64]: "FIXED64",
  [ScalarType.FIXED32]: "FIXED32",
  [ScalarType.BOOL]: "BOOL",
  [ScalarType.STRING]: "STRING_UTF8",
  [ScalarType.BYTES]: "BYTES",
  [ScalarType.UINT32]: "UINT32",
  [ScalarType.SFIXED32]: "SFIXED32",
  [ScalarType.SFIXED64]: "SFIXED64",
  [ScalarType.SINT32]: "SINT32",
  [ScalarType.SINT64]: "SINT64",
};

/** Fields the codec is not told about, so they arrive as unknown fields. */
const isUnknown = (field: DescField) => field.name.startsWith("unknown");
const kebab = (name: string) => name.toLowerCase().replaceAll("_", "-");
const isExplicit = (field: DescField) => field.presence !== 2; // FeatureSet.FieldPresence.IMPLICIT

function codingType(field: DescField & { scalar: ScalarType }): CodingType {
  const type = codingTypes[field.scalar];
  return type === "STRING_UTF8" && field.name.includes("permissive") ? "STRING_PERMISSIVE" : type;
}

function cases(desc: DescEnum): Field[] {
  return desc.values.map((value) => bare(value.number >>> 0, kebab(value.name)));
}

/**
 * The message Field a descriptor stands for. `flipPacking` declares every packable list the
 * other way, which must not change what decodes.
 */
export function fieldOf(desc: DescMessage, flipPacking = false): Field {
  const packing = (packed: boolean) => (packed !== flipPacking ? "PACKED" : "EXPANDED");
  const fieldFor = (field: DescField): Field => {
    const name = kebab(field.name);
    switch (field.fieldKind) {
      case "scalar":
        return scalar(
          field.number,
          name,
          `${codingType(field)}_${isExplicit(field) ? "EXPLICIT" : "IMPLICIT"}`,
        );
      case "enum":
        return compound(
          field.number,
          name,
          isExplicit(field) ? "ENUM_EXPLICIT" : "ENUM_IMPLICIT",
          cases(field.enum),
        );
      case "message":
        return compound(
          field.number,
          name,
          "MESSAGE",
          fieldOf(field.message, flipPacking).subfields,
        );
      case "list":
        switch (field.listKind) {
          case "scalar": {
            const type = codingType(field);
            const packable = !["BYTES", "STRING_UTF8", "STRING_PERMISSIVE"].includes(type);
            return scalar(
              field.number,
              name,
              `${type}_${packable ? packing(field.packed) : "EXPANDED"}` as ScalarCodingName,
            );
          }
          case "enum":
            return compound(field.number, name, `ENUM_${packing(field.packed)}`, cases(field.enum));
          case "message":
            return compound(
              field.number,
              name,
              "MESSAGE_EXPANDED",
              fieldOf(field.message, flipPacking).subfields,
            );
        }
        break;
      case "map": {
        const key = scalar(
          1,
          "key",
          `${codingTypes[field.mapKey]}_IMPLICIT` as `${CodingType}_IMPLICIT`,
        );
        switch (field.mapKind) {
          case "scalar":
            return compound(field.number, name, "MAP", [
              key,
              scalar(2, "value", `${codingType(field)}_IMPLICIT`),
            ]);
          case "enum":
            return compound(field.number, name, "MAP", [
              key,
              compound(2, "value", "ENUM_IMPLICIT", cases(field.enum)),
            ]);
          case "message":
            return compound(field.number, name, "MAP", [
              key,
              compound(2, "value", "MESSAGE", fieldOf(field.message, flipPacking).subfields),
            ]);
        }
      }
    }
  };
  const subfields = desc.members.flatMap((member): Field[] => {
    if (member.kind === "oneof") {
      // Oneof members are explicit: their fieldFor is the explicit coding.
      return [compound(0, kebab(member.name), "ONEOF", member.fields.map(fieldFor))];
    }
    return isUnknown(member) ? [] : [fieldFor(member)];
  });
  return message(...subfields);
}

const typedLists: Partial<Record<ScalarType, { from(values: Iterable<never>): ComponentValue }>> = {
  [ScalarType.DOUBLE]: Float64Array,
  [ScalarType.FLOAT]: Float32Array,
  [ScalarType.INT64]: BigInt64Array,
  [ScalarType.SINT64]: BigInt64Array,
  [ScalarType.SFIXED64]: BigInt64Array,
  [ScalarType.UINT64]: BigUint64Array,
  [ScalarType.FIXED64]: BigUint64Array,
  [ScalarType.INT32]: Int32Array,
  [ScalarType.SINT32]: Int32Array,
  [ScalarType.SFIXED32]: Int32Array,
  [ScalarType.UINT32]: Uint32Array,
  [ScalarType.FIXED32]: Uint32Array,
};

/** An enum number as the codec decodes it: an unknown number is the case numbered 0. */
function caseName(desc: DescEnum, number: number): string {
  const value =
    desc.values.find((v) => v.number === number) ?? desc.values.find((v) => v.number === 0);
  if (!value) throw new Error(`${desc.typeName} has neither ${number} nor 0`);
  return kebab(value.name);
}

type Message = Record<string, unknown>;

/** The component value the codec should decode the message's bytes to. */
export function toComponent(desc: DescMessage, msg: Message): ComponentRecord {
  const record: ComponentRecord = {};
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const { case: chosen, value } = msg[member.localName] as { case?: string; value: unknown };
      const field = member.fields.find((f) => f.localName === chosen);
      record[recordKey(kebab(member.name))] = field
        ? { tag: kebab(field.name), val: singular(field, value) }
        : undefined;
    } else if (!isUnknown(member)) {
      const value = msg[member.localName];
      record[recordKey(kebab(member.name))] =
        isExplicit(member) && !isFieldSet(msg as never, member)
          ? undefined
          : fieldValue(member, value);
    }
  }
  return record;
}

function singular(field: DescField, value: unknown): ComponentValue {
  switch (field.fieldKind) {
    case "enum":
      return caseName(field.enum, value as number);
    case "message":
      return value === undefined ? undefined : toComponent(field.message, value as Message);
    default:
      return value as ComponentValue;
  }
}

function fieldValue(field: DescField, value: unknown): ComponentValue {
  switch (field.fieldKind) {
    case "list": {
      const items = value as unknown[];
      switch (field.listKind) {
        case "scalar": {
          const typed = typedLists[field.scalar];
          return typed ? typed.from(items as never[]) : (items as ComponentValue[]);
        }
        case "enum":
          return items.map((n) => caseName(field.enum, n as number));
        case "message":
          return items.map((m) => toComponent(field.message, m as Message));
      }
      break;
    }
    case "map":
      return Object.entries(value as Message).map(([key, v]): ComponentValue => {
        const mapValue =
          field.mapKind === "enum"
            ? caseName(field.enum, v as number)
            : field.mapKind === "message"
              ? toComponent(field.message, v as Message)
              : (v as ComponentValue);
        return [mapKey(field.mapKey, key), mapValue];
      });
    default:
      return singular(field, value);
  }
}

function mapKey(type: ScalarType, key: string): ComponentValue {
  switch (codingTypes[type]) {
    case "STRING_UTF8":
      return key;
    case "BOOL":
      return key === "true";
    case "INT64":
    case "SINT64":
    case "SFIXED64":
    case "UINT64":
    case "FIXED64":
      return BigInt(key);
    default:
      return Number(key);
  }
}

function scalarArbitrary(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.DOUBLE:
      return fc.double();
    case ScalarType.FLOAT:
      return fc.float();
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt(0n, 2n ** 64n - 1n);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return fc.oneof(
        fc.string({ unit: "grapheme", maxLength: 20 }),
        fc.string({ unit: "grapheme", minLength: 40, maxLength: 200 }),
      );
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 40 });
  }
}

/** Enum numbers, unknown ones too where the enum is open (proto3). */
function enumArbitrary(desc: DescEnum): fc.Arbitrary<number> {
  const known = fc.constantFrom(...desc.values.map((v) => v.number));
  return desc.open ? fc.oneof(known, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })) : known;
}

function singularArbitrary(field: DescField): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalarArbitrary(field.scalar);
    case "enum":
      return enumArbitrary(field.enum);
    case "message":
      return initArbitrary(field.message);
    default:
      throw new Error(`${field} is not singular`);
  }
}

function fieldArbitrary(field: DescField): fc.Arbitrary<unknown> {
  const list = <T>(item: fc.Arbitrary<T>) => fc.array(item, { maxLength: 5 });
  switch (field.fieldKind) {
    case "list":
      switch (field.listKind) {
        case "scalar":
          return list(scalarArbitrary(field.scalar));
        case "enum":
          return list(enumArbitrary(field.enum));
        case "message":
          return list(initArbitrary(field.message));
      }
      break;
    case "map": {
      const value =
        field.mapKind === "scalar"
          ? scalarArbitrary(field.scalar)
          : field.mapKind === "enum"
            ? enumArbitrary(field.enum)
            : initArbitrary(field.message);
      // Past 8 entries the decoder indexes keys: go there too.
      return fc
        .array(fc.tuple(scalarArbitrary(field.mapKey), value), { maxLength: 12 })
        .map((entries) => Object.fromEntries(entries.map(([k, v]) => [String(k), v])));
    }
    default: {
      const value = singularArbitrary(field);
      // Unset explicit fields are left out of the init; implicit ones are often the default.
      return isExplicit(field) || field.fieldKind === "message"
        ? fc.option(value, { nil: undefined })
        : value;
    }
  }
  throw new Error(`no arbitrary for ${field}`);
}

/** Random init objects for `create(desc, …)`. */
export function initArbitrary(desc: DescMessage): fc.Arbitrary<Message> {
  const members: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of desc.members) {
    members[member.localName] =
      member.kind === "oneof"
        ? fc.option(
            fc.oneof(
              ...member.fields.map((f) =>
                singularArbitrary(f).map((value) => ({ case: f.localName, value })),
              ),
            ),
            { nil: { case: undefined } },
          )
        : fieldArbitrary(member);
  }
  return fc.record(members);
}

/** Random messages of `desc`. */
export function messageArbitrary(desc: DescMessage): fc.Arbitrary<Message> {
  return initArbitrary(desc).map((init) => create(desc, init as never) as unknown as Message);
}

/**
 * The record with every map's entries sorted by key: where JavaScript objects order integer
 * keys numerically, @bufbuild's maps lose the order of the wire.
 */
export function mapsSorted(desc: DescMessage, record: ComponentRecord): ComponentRecord {
  const sorted: ComponentRecord = { ...record };
  const inMessage = (field: DescField, value: ComponentValue) =>
    value === undefined || field.message === undefined
      ? value
      : mapsSorted(field.message, value as ComponentRecord);
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const key = recordKey(kebab(member.name));
      const choice = record[key] as { tag: string; val: ComponentValue } | undefined;
      const field = member.fields.find((f) => kebab(f.name) === choice?.tag);
      if (choice && field) sorted[key] = { tag: choice.tag, val: inMessage(field, choice.val) };
      continue;
    }
    const key = recordKey(kebab(member.name));
    const value = record[key];
    if (member.fieldKind === "message") sorted[key] = inMessage(member, value);
    if (member.fieldKind === "list" && member.listKind === "message") {
      sorted[key] = (value as ComponentValue[]).map((item) => inMessage(member, item));
    }
    if (member.fieldKind === "map") {
      sorted[key] = (value as [ComponentValue, ComponentValue][])
        .map(([k, v]): [ComponentValue, ComponentValue] => [k, inMessage(member, v)])
        .sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    }
  }
  return sorted;
}

/** Typed arrays as tagged plain arrays, so that toEqual tells -0 from 0 inside them too. */
export function canonical(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return { [value.constructor.name]: Array.from(value as unknown as ArrayLike<unknown>) };
  }
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
