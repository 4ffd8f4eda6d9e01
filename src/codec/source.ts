// Helpers for writing generated JavaScript. Nothing from Metadata enters the source except
// through `literal` (names) or as checked integers, so a hostile Metadata layer cannot inject
// code.
import type { ScalarType } from "../metadata/index.ts";

export function literal(value: string): string {
  return JSON.stringify(value);
}

export const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, FIXED32: 5 } as const;

export function wireTypeOf(type: ScalarType): number {
  switch (type) {
    case "BYTES":
    case "STRING_UTF8":
    case "STRING_PERMISSIVE":
      return WireType.LENGTH_DELIMITED;
    case "SFIXED32":
    case "FIXED32":
    case "FLOAT":
      return WireType.FIXED32;
    case "SFIXED64":
    case "FIXED64":
    case "DOUBLE":
      return WireType.FIXED64;
    default:
      return WireType.VARINT;
  }
}

/** Lists of these are typed arrays in jco's glue; see values.ts. */
export const typedListOf: Partial<Record<ScalarType, string>> = {
  INT32: "Int32Array",
  SINT32: "Int32Array",
  SFIXED32: "Int32Array",
  UINT32: "Uint32Array",
  FIXED32: "Uint32Array",
  INT64: "BigInt64Array",
  SINT64: "BigInt64Array",
  SFIXED64: "BigInt64Array",
  UINT64: "BigUint64Array",
  FIXED64: "BigUint64Array",
  FLOAT: "Float32Array",
  DOUBLE: "Float64Array",
};

/** A tag as a number: field numbers reach 2^29 − 1, past what `<<` keeps. */
export function tagOf(fieldNumber: number, wireType: number): number {
  return fieldNumber * 8 + wireType;
}

/** Source lines with indentation, joined at the end. */
export class Source {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text: string): this {
    this.lines.push("  ".repeat(this.depth) + text);
    return this;
  }

  /** `open` then the body indented, then `close`. */
  block(open: string, body: () => void, close = "}"): this {
    this.line(open);
    this.depth++;
    body();
    this.depth--;
    return this.line(close);
  }

  /** Another source's lines, at this one's indentation. */
  embed(other: Source): this {
    for (const line of other.lines) this.line(line);
    return this;
  }

  /** The body one level deeper. */
  indented(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  toString(): string {
    return this.lines.join("\n");
  }
}
