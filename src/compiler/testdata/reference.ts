// The reference side of round trips: the same `.proto` compiled by protoc (not by buf, which the
// compiler uses) into @bufbuild/protobuf descriptors, and random messages of them.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createFileRegistry,
  type DescEnum,
  type DescField,
  type DescMessage,
  type FileRegistry,
  fromBinary,
  ScalarType,
} from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";

/** fast-check's seed: fixed, so runs repeat; FC_SEED=<n> explores others. */
export const seed = Number(process.env.FC_SEED ?? 20_251_128);

/** Descriptors of `files` and everything they import, by Debian's protoc. */
export async function protocRegistry(
  files: string[],
  includeDirs: string[],
): Promise<FileRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "vimana-reference-"));
  try {
    const out = join(dir, "set.binpb");
    const run = Bun.spawnSync([
      "protoc",
      ...includeDirs.flatMap((include) => ["-I", include]),
      "--include_imports",
      `--descriptor_set_out=${out}`,
      ...files,
    ]);
    if (!run.success) throw new Error(`protoc failed: ${run.stderr.toString()}`);
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, await Bun.file(out).bytes()));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Init = Record<string, unknown>;

/**
 * Random init objects for `create(desc, …)`. Enum numbers are the declared ones only: an
 * unknown number decodes to the zero case (ref §4.3), so it would not echo back.
 */
export function initArbitrary(desc: DescMessage): fc.Arbitrary<Init> {
  const members: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of desc.members) {
    members[member.localName] =
      member.kind === "oneof"
        ? fc.option(
            fc.oneof(
              ...member.fields.map((field) =>
                singular(field).map((value) => ({ case: field.localName, value })),
              ),
            ),
            { nil: { case: undefined } },
          )
        : fieldArbitrary(member);
  }
  return fc.record(members);
}

function fieldArbitrary(field: DescField): fc.Arbitrary<unknown> {
  const few = <T>(item: fc.Arbitrary<T>) => fc.array(item, { maxLength: 3 });
  switch (field.fieldKind) {
    case "list":
      return few(
        field.listKind === "scalar"
          ? scalar(field.scalar)
          : field.listKind === "enum"
            ? enumNumber(field.enum)
            : initArbitrary(field.message),
      );
    case "map": {
      const value =
        field.mapKind === "scalar"
          ? scalar(field.scalar)
          : field.mapKind === "enum"
            ? enumNumber(field.enum)
            : initArbitrary(field.message);
      return few(fc.tuple(scalar(field.mapKey), value)).map((entries) =>
        Object.fromEntries(entries.map(([key, v]) => [String(key), v])),
      );
    }
    default: {
      const explicit =
        field.presence !== FeatureSet_FieldPresence.IMPLICIT || field.fieldKind === "message";
      return explicit ? fc.option(singular(field), { nil: undefined }) : singular(field);
    }
  }
}

function singular(field: DescField): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar);
    case "enum":
      return enumNumber(field.enum);
    case "message":
      return initArbitrary(field.message);
    default:
      throw new Error(`${field} is not singular`);
  }
}

function enumNumber(desc: DescEnum): fc.Arbitrary<number> {
  return fc.constantFrom(...desc.values.map((value) => value.number));
}

function scalar(type: ScalarType): fc.Arbitrary<unknown> {
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
      return fc.string({ unit: "grapheme", maxLength: 12 });
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 12 });
  }
}
