// Generates, once per message Field, an encoder: one JavaScript function per message type that
// checks each record field's shape and writes it straight into a reused output buffer. A
// nested message reserves one length byte and is shifted only if it turns out longer than 127
// bytes; the finished message is copied out, so the buffer serves the next call.
import type { Field, ScalarType } from "../metadata/index.ts";
import * as support from "./encode-support.ts";
import type { EnumPlan, FieldPlan, MapPlan, MessagePlan, ScalarPlan } from "./plan.ts";
import { fixedSize, planMessage } from "./plan.ts";
import { F32, F64, I64, U8, U32, U64 } from "./scratch.ts";
import { literal, Source, tagOf, typedListOf, WireType, wireTypeOf } from "./source.ts";
import type { ComponentRecord } from "./values.ts";

/** Encodes one message; throws EncodeError (`Invalid response (<path>): …`). Not reentrant. */
export type Encoder = (value: ComponentRecord) => Uint8Array;

/** Builds the encoder for a response (or any message) Field; throws CodecBuildError. */
export function compileEncoder(message: Field): Encoder {
  const generator = new EncoderGenerator();
  const root = generator.message(planMessage(message));
  return new Function("H", generator.source(root))(helpers) as Encoder;
}

const helpers = { ...support, utf8: new TextEncoder(), U8, U32, F32, F64, I64, U64 };

/** Functions over the output buffer `out`, which `grow` replaces. */
const prelude = `
let out = new Uint8Array(1024);
function grow(need) {
  const next = new Uint8Array(Math.max(need, 2 * out.length));
  next.set(out);
  out = next;
}
function varintSize(v) {
  return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : v < 268435456 ? 4 : 5;
}
function varint32(p, v) {
  while (v > 127) { out[p++] = (v & 127) | 128; v >>>= 7; }
  out[p++] = v;
  return p;
}
function varint64(p, lo, hi) {
  while (hi !== 0 || lo > 127) {
    out[p++] = (lo & 127) | 128;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  out[p++] = lo;
  return p;
}
// Content was written from start, one byte after a reserved length byte; fill in the length.
function closeLength(start, end) {
  const n = end - start;
  if (n < 128) { out[start - 1] = n; return end; }
  const extra = varintSize(n) - 1;
  if (end + extra > out.length) grow(end + extra);
  out.copyWithin(start + extra, start, end);
  varint32(start - 1, n);
  return end + extra;
}
// A length-prefixed string: at most 3 bytes per UTF-16 unit, so under 43 units the length
// takes one byte and ASCII is copied by hand.
function string(p, s) {
  const units = s.length;
  if (p + 5 + 3 * units > out.length) grow(p + 5 + 3 * units);
  if (units < 43) {
    const start = p + 1;
    for (let i = 0; i < units; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        const n = utf8.encodeInto(s, out.subarray(start, start + 3 * units)).written;
        out[p] = n;
        return start + n;
      }
      out[start + i] = c;
    }
    out[p] = units;
    return start + units;
  }
  const reserved = varintSize(3 * units);
  const n = utf8.encodeInto(s, out.subarray(p + reserved, p + reserved + 3 * units)).written;
  const size = varintSize(n);
  if (size < reserved) out.copyWithin(p + size, p + reserved, p + reserved + n);
  varint32(p, n);
  return p + size + n;
}
function bytes(p, b) {
  const n = b.length;
  if (p + 5 + n > out.length) grow(p + 5 + n);
  p = varint32(p, n);
  if (n < 16) for (let i = 0; i < n; i++) out[p + i] = b[i];
  else out.set(b, p);
  return p + n;
}
`;

/** The WIT type of a scalar, for messages. */
const witType: Record<ScalarType, string> = {
  BYTES: "list<u8> (Uint8Array)",
  STRING_UTF8: "string",
  STRING_PERMISSIVE: "string",
  BOOL: "bool",
  INT32: "s32",
  SINT32: "s32",
  SFIXED32: "s32",
  UINT32: "u32",
  FIXED32: "u32",
  INT64: "s64 (bigint)",
  SINT64: "s64 (bigint)",
  SFIXED64: "s64 (bigint)",
  UINT64: "u64 (bigint)",
  FIXED64: "u64 (bigint)",
  FLOAT: "f32",
  DOUBLE: "f64",
};

class EncoderGenerator {
  private readonly functions: string[] = [];
  private readonly constants: string[] = [];
  private readonly enumFunctions = new Map<EnumPlan, string>();
  private count = 0;

  source(root: string): string {
    return [
      '"use strict";',
      `const { ${Object.keys(helpers).join(", ")} } = H;`,
      prelude,
      ...this.constants,
      ...this.functions,
      "return function encode(value) {",
      `  if (typeof value !== "object" || value === null) throw mismatch("response", "record", value);`,
      `  const end = ${root}(value, 0);`,
      "  const bytes = out.slice(0, end);",
      "  // One huge response should not pin a huge buffer.",
      "  if (out.length > 1048576) out = new Uint8Array(1024);",
      "  return bytes;",
      "};",
    ].join("\n");
  }

  /** Generates the function for one message type; returns its name. */
  message(plan: MessagePlan): string {
    const name = `w${this.count++}`;
    const body = new Source();
    const repeated: number[] = [];
    for (const field of plan.fields) {
      this.field(body, field);
      if (field.kind !== "oneof" && isRepeated(field)) repeated.push(field.number);
    }
    const index =
      repeated.length > 0
        ? `${this.constant(`new Set(${JSON.stringify(repeated)})`)}.has(at) ? ix : -1`
        : "-1";
    const fn = new Source();
    fn.block(`function ${name}(v, p) {`, () => {
      fn.line("let at = 0, ix = -1;");
      fn.block(
        "try {",
        () => fn.embed(body),
        `} catch (error) { throw within(error, at, ${index}); }`,
      );
      fn.line("return p;");
    });
    this.functions.push(fn.toString());
    return name;
  }

  private constant(expression: string): string {
    const name = `K${this.constants.length}`;
    this.constants.push(`const ${name} = ${expression};`);
    return name;
  }

  private field(out: Source, field: FieldPlan): void {
    const key = literal(field.key);
    switch (field.kind) {
      case "oneof":
        out.block("{", () => {
          // The oneof itself has no field number: until a variant is chosen, errors are the
          // message's.
          out.line("at = 0;");
          out.line(`const o = v[${key}];`);
          out.block("if (o !== undefined && o !== null) {", () => {
            out.line(`if (typeof o !== "object") throw mismatch(${key}, "variant", o);`);
            out.line("const x = o.val;");
            out.block("switch (o.tag) {", () => {
              for (const variant of field.variants) {
                const tag = literal(variant.name);
                out.block(`case ${tag}: {`, () => {
                  out.line(`at = ${variant.number};`);
                  out.line(
                    `if (x === undefined || x === null) throw missingPayload(${key}, ${tag});`,
                  );
                  if (variant.kind === "message")
                    this.writeMessage(out, variant.number, variant.message, "x", key);
                  else this.writeValue(out, variant, "x", key);
                  out.line("break;");
                });
              }
              out.line(`default: throw unknownVariant(${key}, o.tag);`);
            });
          });
        });
        return;
      case "message":
        out.block("{", () => {
          out.line(`at = ${field.number};`);
          out.line(`const m = v[${key}];`);
          if (field.repeated) {
            out.line(`if (!Array.isArray(m)) throw mismatch(${key}, "list<record>", m);`);
            out.block("for (ix = 0; ix < m.length; ix++) {", () => {
              out.line("const x = m[ix];");
              this.writeMessage(out, field.number, field.message, "x", key);
            });
          } else {
            out.block("if (m !== undefined && m !== null) {", () => {
              this.writeMessage(out, field.number, field.message, "m", key);
            });
          }
        });
        return;
      case "map": {
        const entry = this.mapEntry(field);
        const tag = varintBytes(tagOf(field.number, WireType.LENGTH_DELIMITED));
        out.block("{", () => {
          out.line(`at = ${field.number};`);
          out.line(`const a = v[${key}];`);
          out.line(`if (!Array.isArray(a)) throw mismatch(${key}, "list<tuple<K, V>>", a);`);
          out.block("for (ix = 0; ix < a.length; ix++) {", () => {
            out.line("const e = a[ix];");
            out.line(
              `if (!Array.isArray(e) || e.length !== 2) throw mismatch(${key}, "tuple<K, V>", e);`,
            );
            this.ensure(out, tag.length + 1);
            this.writeBytes(out, tag);
            out.line(`p = closeLength(p + 1, ${entry}(e[0], e[1], p + 1));`);
          });
        });
        return;
      }
      default:
        out.block("{", () => {
          out.line(`at = ${field.number};`);
          out.line(`const x = v[${key}];`);
          switch (field.presence) {
            case "IMPLICIT":
              this.check(out, field, "x", key);
              out.block(`if (${this.notDefault(field, "x")}) {`, () => {
                this.writeValue(out, field, "x", key, false);
              });
              return;
            case "EXPLICIT":
              out.block("if (x !== undefined && x !== null) {", () => {
                this.writeValue(out, field, "x", key);
              });
              return;
            case "PACKED":
              this.writePacked(out, field, key);
              return;
            case "EXPANDED":
              this.checkList(out, field, key);
              out.block("for (ix = 0; ix < x.length; ix++) {", () => {
                out.line("const e = x[ix];");
                this.writeValue(out, field, "e", key);
              });
              return;
          }
        });
    }
  }

  /** A packed list: one tag, the length, the elements; nothing when empty. */
  private writePacked(out: Source, field: ScalarPlan | EnumPlan, key: string): void {
    this.checkList(out, field, key);
    const tag = varintBytes(tagOf(field.number, WireType.LENGTH_DELIMITED));
    const size = field.kind === "scalar" ? fixedSize[field.type] : undefined;
    out.block("if (x.length !== 0) {", () => {
      if (size !== undefined && field.kind === "scalar") {
        const typed = typedListOf[field.type] as string;
        out.line(`const n = x.length * ${size};`);
        this.ensure(out, `${tag.length + 5} + n`);
        this.writeBytes(out, tag);
        out.line("p = varint32(p, n);");
        // The host is little-endian (see scratch.ts): the array's bytes are the wire bytes.
        out.block(
          `if (x instanceof ${typed}) {`,
          () => {
            out.line("out.set(new Uint8Array(x.buffer, x.byteOffset, n), p);");
            out.line("p += n;");
          },
          "} else {",
        );
        out.indented(() => {
          out.block("for (ix = 0; ix < x.length; ix++) {", () => {
            out.line("const e = x[ix];");
            this.check(out, field, "e", key);
            this.writeRaw(out, field, "e");
          });
        });
        out.line("}");
        return;
      }
      this.ensure(out, tag.length + 1);
      this.writeBytes(out, tag);
      out.line("const start = ++p;");
      out.block("for (ix = 0; ix < x.length; ix++) {", () => {
        out.line("const e = x[ix];");
        this.check(out, field, "e", key);
        this.ensure(out, 10);
        this.writeRaw(out, field, "e");
      });
      out.line("p = closeLength(start, p);");
    });
  }

  /** A record as a length-delimited field; `value` is checked to be an object. */
  private writeMessage(
    out: Source,
    fieldNumber: number,
    message: MessagePlan,
    value: string,
    key: string,
  ): void {
    const fn = this.message(message);
    const tag = varintBytes(tagOf(fieldNumber, WireType.LENGTH_DELIMITED));
    out.line(
      `if (typeof ${value} !== "object" || ${value} === null) throw mismatch(${key}, "record", ${value});`,
    );
    this.ensure(out, tag.length + 1);
    this.writeBytes(out, tag);
    out.line(`p = closeLength(p + 1, ${fn}(${value}, p + 1));`);
  }

  /** Checks `value` (unless done already) then writes its tag and value. */
  private writeValue(
    out: Source,
    field: ScalarPlan | EnumPlan,
    value: string,
    key: string,
    check = true,
  ): void {
    if (check) this.check(out, field, value, key);
    const wireType = field.kind === "enum" ? WireType.VARINT : wireTypeOf(field.type);
    const tag = varintBytes(tagOf(field.number, wireType));
    const size = field.kind === "scalar" ? fixedSize[field.type] : undefined;
    // Strings and bytes make room for themselves; everything else is at most 10 bytes.
    this.ensure(out, tag.length + (size ?? (wireType === WireType.LENGTH_DELIMITED ? 0 : 10)));
    this.writeBytes(out, tag);
    this.writeRaw(out, field, value);
  }

  /** Writes a checked value without its tag; room was made. */
  private writeRaw(out: Source, field: ScalarPlan | EnumPlan, value: string): void {
    if (field.kind === "enum") {
      // Enum numbers are int32 on the wire: uint32 patterns from 2^31 up are negative. The
      // check left the number in `<value>Number`.
      const number = `${value}Number`;
      out.line(
        `p = ${number} < 2147483648 ? varint32(p, ${number}) : varint64(p, ${number}, 4294967295);`,
      );
      return;
    }
    switch (field.type) {
      case "BOOL":
        out.line(`out[p++] = ${value} ? 1 : 0;`);
        return;
      case "INT32":
        out.line(
          `p = ${value} >= 0 ? varint32(p, ${value}) : varint64(p, ${value} >>> 0, 4294967295);`,
        );
        return;
      case "UINT32":
        out.line(`p = varint32(p, ${value});`);
        return;
      case "SINT32":
        out.line(`p = varint32(p, ((${value} << 1) ^ (${value} >> 31)) >>> 0);`);
        return;
      case "INT64":
        out.line(`I64[0] = ${value};`);
        out.line("p = varint64(p, U32[0], U32[1]);");
        return;
      case "UINT64":
        out.line(`U64[0] = ${value};`);
        out.line("p = varint64(p, U32[0], U32[1]);");
        return;
      case "SINT64":
        out.line(`I64[0] = ${value};`);
        out.line("{ const lo = U32[0], hi = U32[1], s = hi >> 31;");
        out.line(
          "p = varint64(p, ((lo << 1) ^ s) >>> 0, (((hi << 1) | (lo >>> 31)) ^ s) >>> 0); }",
        );
        return;
      case "FIXED32":
      case "SFIXED32":
        out.line(
          `out[p] = ${value}; out[p + 1] = ${value} >>> 8; out[p + 2] = ${value} >>> 16; out[p + 3] = ${value} >>> 24;`,
        );
        out.line("p += 4;");
        return;
      case "FLOAT":
        out.line(`F32[0] = ${value};`);
        out.line("out[p] = U8[0]; out[p + 1] = U8[1]; out[p + 2] = U8[2]; out[p + 3] = U8[3];");
        out.line("p += 4;");
        return;
      case "FIXED64":
      case "SFIXED64":
      case "DOUBLE": {
        const view = { FIXED64: "U64", SFIXED64: "I64", DOUBLE: "F64" }[field.type];
        out.line(`${view}[0] = ${value};`);
        out.line("out[p] = U8[0]; out[p + 1] = U8[1]; out[p + 2] = U8[2]; out[p + 3] = U8[3];");
        out.line("out[p + 4] = U8[4]; out[p + 5] = U8[5]; out[p + 6] = U8[6]; out[p + 7] = U8[7];");
        out.line("p += 8;");
        return;
      }
      case "STRING_UTF8":
      case "STRING_PERMISSIVE":
        out.line(`p = string(p, ${value});`);
        return;
      case "BYTES":
        out.line(`p = bytes(p, ${value});`);
        return;
    }
  }

  /** Throws unless `value` has the field's element shape; an enum's number goes in a local. */
  private check(out: Source, field: ScalarPlan | EnumPlan, value: string, key: string): void {
    if (field.kind === "enum") {
      // The lookup itself rejects anything but a case name.
      const number = `${value}Number`;
      out.line(`const ${number} = ${this.enumNumbers(field)}(${value});`);
      out.line(
        `if (${number} < 0) throw typeof ${value} === "string" ? unknownEnumCase(${key}, ${value}) : mismatch(${key}, "enum", ${value});`,
      );
      return;
    }
    const type = literal(witType[field.type]);
    const fail = `throw mismatch(${key}, ${type}, ${value});`;
    switch (field.type) {
      case "INT32":
      case "SINT32":
      case "SFIXED32":
        out.line(`if ((${value} | 0) !== ${value}) ${fail}`);
        return;
      case "UINT32":
      case "FIXED32":
        out.line(`if ((${value} >>> 0) !== ${value}) ${fail}`);
        return;
      case "FLOAT":
      case "DOUBLE":
        out.line(`if (typeof ${value} !== "number") ${fail}`);
        return;
      case "BOOL":
        out.line(`if (typeof ${value} !== "boolean") ${fail}`);
        return;
      case "STRING_UTF8":
      case "STRING_PERMISSIVE":
        out.line(`if (typeof ${value} !== "string") ${fail}`);
        return;
      case "BYTES":
        out.line(`if (!(${value} instanceof Uint8Array)) ${fail}`);
        return;
      case "INT64":
      case "SINT64":
      case "SFIXED64":
        out.line(`if (typeof ${value} !== "bigint") ${fail}`);
        out.line(
          `if (${value} < -9223372036854775808n || ${value} > 9223372036854775807n) throw outOfRange(${key}, "s64", ${value});`,
        );
        return;
      case "UINT64":
      case "FIXED64":
        out.line(`if (typeof ${value} !== "bigint") ${fail}`);
        out.line(
          `if (${value} < 0n || ${value} > 18446744073709551615n) throw outOfRange(${key}, "u64", ${value});`,
        );
        return;
    }
  }

  /** Lists are arrays, or the typed array jco uses for the element type. */
  private checkList(out: Source, field: ScalarPlan | EnumPlan, key: string): void {
    const typed = field.kind === "scalar" ? typedListOf[field.type] : undefined;
    const element = field.kind === "enum" ? "enum" : witType[field.type];
    const accepted = typed ? `!Array.isArray(x) && !(x instanceof ${typed})` : "!Array.isArray(x)";
    out.line(`if (${accepted}) throw mismatch(${key}, ${literal(`list<${element}>`)}, x);`);
  }

  /** The condition under which an implicit field is sent. */
  private notDefault(field: ScalarPlan | EnumPlan, value: string): string {
    if (field.kind === "enum") return `${value}Number !== 0`;
    switch (field.type) {
      case "FLOAT":
      case "DOUBLE":
        // -0.0 is not the default: only +0 is left out.
        return `${value} !== 0 || 1 / ${value} < 0`;
      case "BOOL":
        return value;
      case "BYTES":
      case "STRING_UTF8":
      case "STRING_PERMISSIVE":
        return `${value}.length !== 0`;
      case "INT64":
      case "SINT64":
      case "SFIXED64":
      case "UINT64":
      case "FIXED64":
        return `${value} !== 0n`;
      default:
        return `${value} !== 0`;
    }
  }

  /** A function from case name to number (uint32 pattern), or −1. */
  private enumNumbers(field: EnumPlan): string {
    const cached = this.enumFunctions.get(field);
    if (cached) return cached;
    const name = `en${this.count++}`;
    const cases = field.cases.map((c) => `case ${literal(c.name)}: return ${c.number};`);
    this.functions.push(
      `function ${name}(x) {\n  switch (x) {\n    ${cases.join("\n    ")}\n    default: return -1;\n  }\n}`,
    );
    this.enumFunctions.set(field, name);
    return name;
  }

  /** A function that writes one map entry, key and value always (as protoc does). */
  private mapEntry(field: MapPlan): string {
    const name = `e${this.count++}`;
    const { keyField, valueField } = field;
    const body = new Source();
    body.line("at = 1;");
    this.writeValue(body, { ...keyField, number: 1 }, "k", '"key"');
    body.line("at = 2;");
    if (valueField.kind === "message") {
      this.writeMessage(body, 2, valueField.message, "x", '"value"');
    } else this.writeValue(body, { ...valueField, number: 2 }, "x", '"value"');
    const fn = new Source();
    fn.block(`function ${name}(k, x, p) {`, () => {
      fn.line("let at = 0;");
      fn.block("try {", () => fn.embed(body), "} catch (error) { throw within(error, at, -1); }");
      fn.line("return p;");
    });
    this.functions.push(fn.toString());
    return name;
  }

  private ensure(out: Source, bytes: number | string): void {
    out.line(`if (p + ${bytes} > out.length) grow(p + ${bytes});`);
  }

  private writeBytes(out: Source, bytes: number[]): void {
    out.line(
      `${bytes.map((b, i) => `out[${i === 0 ? "p" : `p + ${i}`}] = ${b};`).join(" ")} p += ${bytes.length};`,
    );
  }
}

function varintBytes(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 127) {
    bytes.push((rest % 128) | 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
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
