// Shorthands for writing message Fields in tests.
import {
  CompoundCoding,
  type CompoundCodingName,
  type Field,
  ScalarCoding,
  type ScalarCodingName,
} from "../../metadata/index.ts";

export function scalar(number: number, name: string, coding: ScalarCodingName): Field {
  return { number, name, subfields: [], coding: { scalar: ScalarCoding[coding] } };
}

export function compound(
  number: number,
  name: string,
  coding: CompoundCodingName,
  subfields: Field[],
): Field {
  return { number, name, subfields, coding: { compound: CompoundCoding[coding] } };
}

/** An enum case (or a Field with no coding). */
export function bare(number: number, name: string): Field {
  return { number, name, subfields: [] };
}

/** A whole request or response message. */
export function message(...subfields: Field[]): Field {
  return { number: 0, name: "", subfields };
}

/** Bytes from hex pairs (spaces and `|` ignored) and quoted ASCII: `0a 04 "test"`. */
export function bytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const token of text.match(/"[^"]*"|[0-9a-f]{2}/gi) ?? []) {
    if (token.startsWith('"')) {
      for (const char of token.slice(1, -1)) out.push(char.charCodeAt(0));
    } else out.push(Number.parseInt(token, 16));
  }
  return Uint8Array.from(out);
}
