// Generates, once per message Field, a decoder: one JavaScript function per message type with
// a local per record field and a switch over tags, so decoding a request is a straight run
// over its bytes with no per-field lookups and no intermediate objects.
import type { Field, ScalarType } from "../metadata/index.ts";
import * as support from "./decode-support.ts";
import { DecodeError } from "./errors.ts";
import type { EnumPlan, FieldPlan, MapPlan, MessagePlan, ScalarPlan } from "./plan.ts";
import { fixedSize, planMessage } from "./plan.ts";
import { F32, F64, I64, U8, U32, U64 } from "./scratch.ts";
import { literal, Source, tagOf, typedListOf, WireType, wireTypeOf } from "./source.ts";
import type { ComponentRecord } from "./values.ts";

/** Decodes one message; throws DecodeError (`Malformed request (<path>): …`). */
export type Decoder = (bytes: Uint8Array) => ComponentRecord;

/** Builds the decoder for a request (or any message) Field; throws CodecBuildError. */
export function compileDecoder(message: Field): Decoder {
  const generator = new DecoderGenerator();
  const root = generator.message(planMessage(message));
  const source = generator.source(root);
  return new Function("H", source)(helpers) as Decoder;
}

/** Errors pick up the field they happened in on their way out of each message. */
function within(error: unknown, tagValue: number, index: number): unknown {
  const fieldNumber = tagValue >>> 3;
  if (error instanceof DecodeError && fieldNumber !== 0) error.within(fieldNumber, index);
  return error;
}

const emptyLists = Object.fromEntries(
  [
    Uint8Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].map((make) => [`EMPTY_${make.name}`, Object.freeze(new make(0))]),
);

const helpers = { ...support, ...emptyLists, within, U8, U32, F32, F64, I64, U64 };

const wireNames = ["varint", "64-bit", "length-delimited", "", "", "32-bit"];

/** Fixed-size element bytes by type; absent for varints and length-delimited types. */

class DecoderGenerator {
  private readonly functions: string[] = [];
  private readonly constants: string[] = [];
  private count = 0;

  source(root: string): string {
    return [
      '"use strict";',
      `const { ${Object.keys(helpers).join(", ")} } = H;`,
      ...this.constants,
      ...this.functions,
      `return function decode(bytes) {`,
      `  if (!(bytes instanceof Uint8Array)) throw new TypeError("decode expects a Uint8Array");`,
      `  return ${root}(bytes, 0, bytes.length, undefined);`,
      `};`,
    ].join("\n");
  }

  /** Generates the function for one message type; returns its name. */
  message(plan: MessagePlan): string {
    const name = `m${this.count++}`;
    const expected = new Map<number, string>();
    const repeated: number[] = [];
    const cases = new Source();
    plan.fields.forEach((field, i) => {
      this.fieldCases(cases, field, `f${i}`, `c${i}`, expected);
      if (field.kind !== "oneof" && isRepeated(field)) repeated.push(field.number);
    });
    const expectedName = this.constant(`new Map(${JSON.stringify([...expected])})`);
    const index =
      repeated.length > 0
        ? `${this.constant(`new Set(${JSON.stringify(repeated)})`)}.has(tag >>> 3) ? ix : -1`
        : "-1";

    const fn = new Source();
    fn.block(`function ${name}(buf, p, end, into) {`, () => {
      const locals = plan.fields.flatMap((field, i) => {
        if (field.kind === "map") return [`f${i}`, `c${i} = 0`, `g${i}`];
        return isTypedList(field) ? [`f${i}`, `c${i} = 0`] : [`f${i}`];
      });
      fn.line(`let tag = 0, ix = -1, x = 0, n = 0${locals.map((l) => `, ${l}`).join("")};`);
      // A repeated occurrence of a singular message merges into the record decoded so far.
      fn.block(
        "if (into === undefined) {",
        () => {
          plan.fields.forEach((field, i) => {
            fn.line(`f${i} = ${this.initial(field)};`);
          });
        },
        "} else {",
      );
      fn.indented(() => {
        plan.fields.forEach((field, i) => {
          fn.line(`f${i} = into[${literal(field.key)}];`);
          if (isTypedList(field)) fn.line(`c${i} = f${i}.length;`);
          if (field.kind === "map") fn.line(`c${i} = f${i}.length;`);
        });
      });
      fn.line("}");
      fn.block(
        "try {",
        () => {
          fn.block("while (p < end) {", () => {
            fn.line("tag = buf[p++];");
            fn.line("if (tag > 127) { tag = 0; p = tagAt(buf, p - 1, end); tag = U32[0]; }");
            fn.block("switch (tag) {", () => {
              fn.embed(cases);
              fn.line(`default: p = otherField(buf, p, end, tag, ${expectedName});`);
            });
          });
        },
        `} catch (error) { throw within(error, tag, ${index}); }`,
      );
      const entries = plan.fields.map(
        (field, i) => `${literal(field.key)}: ${this.final(field, i)}`,
      );
      fn.line(`return { ${entries.join(", ")} };`);
    });
    this.functions.push(fn.toString());
    return name;
  }

  private constant(expression: string): string {
    const name = `K${this.constants.length}`;
    this.constants.push(`const ${name} = ${expression};`);
    return name;
  }

  /** The `case` clauses for one record field; `expected` learns its wire types. */
  private fieldCases(
    out: Source,
    field: FieldPlan,
    local: string,
    count: string,
    expected: Map<number, string>,
  ): void {
    switch (field.kind) {
      case "oneof":
        for (const variant of field.variants) {
          const tag = literal(variant.name);
          if (variant.kind === "message") {
            const fn = this.message(variant.message);
            const merge = `${local} !== undefined && ${local}.tag === ${tag} ? ${local}.val : undefined`;
            this.caseOf(out, variant.number, WireType.LENGTH_DELIMITED, expected, () => {
              this.readLength(out, "end");
              out.line(`${local} = { tag: ${tag}, val: ${fn}(buf, p, p + n, ${merge}) };`);
              out.line("p += n;");
            });
          } else {
            this.caseOf(out, variant.number, this.wireType(variant), expected, () => {
              out.line("let v;");
              this.readValue(out, variant, "v", "end");
              out.line(`${local} = { tag: ${tag}, val: v };`);
            });
          }
        }
        return;
      case "message": {
        const fn = this.message(field.message);
        this.caseOf(out, field.number, WireType.LENGTH_DELIMITED, expected, () => {
          if (field.repeated) out.line(`ix = ${local}.length;`);
          this.readLength(out, "end");
          if (field.repeated) out.line(`${local}.push(${fn}(buf, p, p + n, undefined));`);
          else out.line(`${local} = ${fn}(buf, p, p + n, ${local});`);
          out.line("p += n;");
        });
        return;
      }
      case "map": {
        const entry = this.mapEntry(field);
        const index = `g${local.slice(1)}`;
        this.caseOf(out, field.number, WireType.LENGTH_DELIMITED, expected, () => {
          out.line(`ix = ${count}++;`);
          this.readLength(out, "end");
          out.line(`${index} = putEntry(${local}, ${index}, ${entry}(buf, p, p + n));`);
          out.line("p += n;");
        });
        return;
      }
      default:
        if (field.presence === "IMPLICIT" || field.presence === "EXPLICIT") {
          this.caseOf(out, field.number, this.wireType(field), expected, () => {
            this.readValue(out, field, local, "end");
          });
        } else this.listCases(out, field, local, count, expected);
    }
  }

  /** A repeated scalar or enum: elements one by one, and (numbers only) packed runs. */
  private listCases(
    out: Source,
    field: ScalarPlan | EnumPlan,
    local: string,
    count: string,
    expected: Map<number, string>,
  ): void {
    const wireType = this.wireType(field);
    const typed = field.kind === "scalar" ? typedListOf[field.type] : undefined;
    const push = (value: string) =>
      typed ? `${local}[${count}++] = ${value};` : `${local}.push(${value});`;
    const index = typed ? count : `${local}.length`;
    out.block(`case ${tagOf(field.number, wireType)}: {`, () => {
      out.line(`ix = ${index};`);
      out.line("let v;");
      this.readValue(out, field, "v", "end");
      if (typed) out.line(`${local} = room(${local}, ${count}, 1, ${typed});`);
      out.line(push("v"));
      out.line("break;");
    });
    if (wireType === WireType.LENGTH_DELIMITED) {
      expected.set(field.number, wireNames[wireType] as string);
      return;
    }
    expected.set(field.number, `${wireNames[wireType]} or length-delimited`);
    out.block(`case ${tagOf(field.number, WireType.LENGTH_DELIMITED)}: {`, () => {
      out.line("ix = -1;");
      this.readLength(out, "end");
      out.line("const e = p + n;");
      const size = field.kind === "scalar" ? fixedSize[field.type] : undefined;
      if (size) out.line(`if (n % ${size} !== 0) throw packedLength(n, ${size});`);
      // Typed lists are sized for the whole run at once.
      const runLength = size ? `n / ${size}` : "varintCount(buf, p, e)";
      if (typed) out.line(`${local} = room(${local}, ${count}, ${runLength}, ${typed});`);
      out.block("while (p < e) {", () => {
        out.line(`ix = ${index};`);
        out.line("let v;");
        this.readValue(out, field, "v", "e");
        out.line(push("v"));
      });
      out.line("break;");
    });
  }

  /** A `case` for one tag whose body reads the value at `p`. */
  private caseOf(
    out: Source,
    fieldNumber: number,
    wireType: number,
    expected: Map<number, string>,
    body: () => void,
  ): void {
    expected.set(fieldNumber, wireNames[wireType] as string);
    out.block(`case ${tagOf(fieldNumber, wireType)}: {`, () => {
      body();
      out.line("break;");
    });
  }

  private wireType(field: ScalarPlan | EnumPlan): number {
    return field.kind === "enum" ? WireType.VARINT : wireTypeOf(field.type);
  }

  /** Reads one value at `p` (the bound is `end`) into `target`, advancing `p`. */
  private readValue(out: Source, field: ScalarPlan | EnumPlan, target: string, end: string): void {
    if (field.kind === "enum") {
      this.readVarint32(out, end);
      out.line(`${target} = ${this.enumLookup(field)}(x);`);
      return;
    }
    const varint = (fast: string, slow: string) => {
      out.line(`if (p < ${end} && (x = buf[p]) < 128) { p++; ${target} = ${fast}; }`);
      out.line(`else { p = varint(buf, p, ${end}); ${target} = ${slow}; }`);
    };
    switch (field.type) {
      case "BOOL":
        out.line(`if (p < ${end} && (x = buf[p]) < 2) { p++; ${target} = x === 1; }`);
        out.line(`else throw invalidBool(buf, p, ${end});`);
        return;
      case "INT32":
        this.readVarint32(out, end);
        out.line(`${target} = x | 0;`);
        return;
      case "UINT32":
        this.readVarint32(out, end);
        out.line(`${target} = x;`);
        return;
      case "SINT32":
        this.readVarint32(out, end);
        out.line(`${target} = (x >>> 1) ^ -(x & 1);`);
        return;
      case "INT64":
        varint("BigInt(x)", "I64[0]");
        return;
      case "UINT64":
        varint("BigInt(x)", "U64[0]");
        return;
      case "SINT64":
        varint("BigInt((x >>> 1) ^ -(x & 1))", "zigzag64()");
        return;
      case "FIXED32":
      case "SFIXED32": {
        const sign = field.type === "FIXED32" ? ">>> 0" : "| 0";
        out.line(`if (${end} - p < 4) throw truncated(4, ${end} - p);`);
        out.line(
          `${target} = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) ${sign};`,
        );
        out.line("p += 4;");
        return;
      }
      case "FLOAT":
        out.line(`if (${end} - p < 4) throw truncated(4, ${end} - p);`);
        out.line("U8[0] = buf[p]; U8[1] = buf[p + 1]; U8[2] = buf[p + 2]; U8[3] = buf[p + 3];");
        out.line(`${target} = F32[0];`);
        out.line("p += 4;");
        return;
      case "FIXED64":
      case "SFIXED64":
      case "DOUBLE": {
        const view = { FIXED64: "U64", SFIXED64: "I64", DOUBLE: "F64" }[field.type];
        out.line(`if (${end} - p < 8) throw truncated(8, ${end} - p);`);
        out.line("U8[0] = buf[p]; U8[1] = buf[p + 1]; U8[2] = buf[p + 2]; U8[3] = buf[p + 3];");
        out.line("U8[4] = buf[p + 4]; U8[5] = buf[p + 5]; U8[6] = buf[p + 6]; U8[7] = buf[p + 7];");
        out.line(`${target} = ${view}[0];`);
        out.line("p += 8;");
        return;
      }
      case "STRING_UTF8":
      case "STRING_PERMISSIVE": {
        const decode = field.type === "STRING_UTF8" ? "utf8" : "utf8Permissive";
        this.readLength(out, end);
        out.line(`${target} = n === 0 ? "" : ${decode}(buf, p, p + n);`);
        out.line("p += n;");
        return;
      }
      case "BYTES":
        this.readLength(out, end);
        out.line(`${target} = buf.subarray(p, p + n);`);
        out.line("p += n;");
        return;
    }
  }

  /** A varint's low 32 bits, unsigned, into `x`. */
  private readVarint32(out: Source, end: string): void {
    out.line(`if (p < ${end} && (x = buf[p]) < 128) p++;`);
    out.line(`else { p = varint(buf, p, ${end}); x = U32[0]; }`);
  }

  /** A length prefix into `n`, checked against what is left before `end`. */
  private readLength(out: Source, end: string): void {
    out.line(`if (p < ${end} && (n = buf[p]) < 128 && n < ${end} - p) p++;`);
    out.line(`else { p = lengthAt(buf, p, ${end}); n = U32[0]; }`);
  }

  /** A function from enum number (uint32) to case name. */
  private enumLookup(field: EnumPlan): string {
    const name = `en${this.count++}`;
    const seen = new Set<number>();
    const cases = field.cases
      .filter((c) => !seen.has(c.number) && seen.add(c.number))
      .map((c) => `case ${c.number}: return ${literal(c.name)};`);
    const fallback =
      field.zeroCase === undefined ? "throw unknownEnum(x);" : `return ${literal(field.zeroCase)};`;
    this.functions.push(
      `function ${name}(x) {\n  switch (x) {\n    ${cases.join("\n    ")}\n    default: ${fallback}\n  }\n}`,
    );
    return name;
  }

  /** A function that decodes one map entry into a new `[key, value]`. */
  private mapEntry(field: MapPlan): string {
    const name = `e${this.count++}`;
    const { keyField, valueField } = field;
    const expected = new Map<number, string>();
    const cases = new Source();
    this.caseOf(cases, 1, this.wireType(keyField), expected, () => {
      this.readValue(cases, keyField, "k", "end");
    });
    let valueDefault: string;
    if (valueField.kind === "message") {
      const fn = this.message(valueField.message);
      this.caseOf(cases, 2, WireType.LENGTH_DELIMITED, expected, () => {
        this.readLength(cases, "end");
        cases.line(`v = ${fn}(buf, p, p + n, v);`);
        cases.line("p += n;");
      });
      // A value never sent is the record of defaults: the message decoded from no bytes.
      valueDefault = `${fn}(buf, end, end, undefined)`;
    } else {
      this.caseOf(cases, 2, this.wireType(valueField), expected, () => {
        this.readValue(cases, valueField, "v", "end");
      });
      valueDefault = this.initial(valueField);
    }
    const expectedName = this.constant(`new Map(${JSON.stringify([...expected])})`);
    const fn = new Source();
    fn.block(`function ${name}(buf, p, end) {`, () => {
      fn.line(`let tag = 0, x = 0, n = 0, k = ${this.initial(keyField)}, v;`);
      fn.block(
        "try {",
        () => {
          fn.block("while (p < end) {", () => {
            fn.line("tag = buf[p++];");
            fn.line("if (tag > 127) { tag = 0; p = tagAt(buf, p - 1, end); tag = U32[0]; }");
            fn.block("switch (tag) {", () => {
              fn.embed(cases);
              fn.line(`default: p = otherField(buf, p, end, tag, ${expectedName});`);
            });
          });
        },
        "} catch (error) { throw within(error, tag, -1); }",
      );
      fn.line(`return [k, v === undefined ? ${valueDefault} : v];`);
    });
    this.functions.push(fn.toString());
    return name;
  }

  /** A field's value before any of its bytes are read. */
  private initial(field: FieldPlan): string {
    switch (field.kind) {
      case "oneof":
        return "undefined";
      case "map":
        return "[]";
      case "message":
        return field.repeated ? "[]" : "undefined";
      case "enum":
        if (field.presence === "IMPLICIT") return literal(field.zeroCase ?? "");
        return field.presence === "EXPLICIT" ? "undefined" : "[]";
      case "scalar":
        if (field.presence === "EXPLICIT") return "undefined";
        if (field.presence !== "IMPLICIT") return typedListOf[field.type] ? "undefined" : "[]";
        return scalarDefault(field.type);
    }
  }

  /** The record entry's value once the message is read. */
  private final(field: FieldPlan, i: number): string {
    const typed = isTypedList(field) && typedListOf[(field as ScalarPlan).type];
    if (!typed) return `f${i}`;
    return `f${i} === undefined ? EMPTY_${typed} : c${i} === f${i}.length ? f${i} : f${i}.subarray(0, c${i})`;
  }
}

function scalarDefault(type: ScalarType): string {
  switch (type) {
    case "BYTES":
      return "EMPTY_Uint8Array";
    case "STRING_UTF8":
    case "STRING_PERMISSIVE":
      return '""';
    case "BOOL":
      return "false";
    case "INT64":
    case "SINT64":
    case "SFIXED64":
    case "UINT64":
    case "FIXED64":
      return "0n";
    default:
      return "0";
  }
}

function isRepeated(field: FieldPlan): boolean {
  switch (field.kind) {
    case "oneof":
      return false;
    case "map":
      return true;
    case "message":
      return field.repeated;
    default:
      return field.presence === "PACKED" || field.presence === "EXPANDED";
  }
}

function isTypedList(field: FieldPlan): boolean {
  return field.kind === "scalar" && isRepeated(field) && typedListOf[field.type] !== undefined;
}
