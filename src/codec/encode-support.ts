// What generated encoders call for their errors: a component value that does not have the
// shape the response message needs.
import { EncodeError } from "./errors.ts";

/** `key: expected f32, got string "abc"`. */
export function mismatch(key: string, expected: string, value: unknown): EncodeError {
  return new EncodeError(`${key}: expected ${expected}, got ${describe(value)}`);
}

export function outOfRange(key: string, type: string, value: bigint): EncodeError {
  return new EncodeError(`${key}: ${value} is out of range for ${type}`);
}

export function unknownEnumCase(key: string, value: string): EncodeError {
  return new EncodeError(`${key}: unrecognized enum case ${JSON.stringify(value)}`);
}

export function unknownVariant(key: string, tag: unknown): EncodeError {
  return new EncodeError(`${key}: unrecognized oneof variant ${describe(tag)}`);
}

export function missingPayload(key: string, tag: string): EncodeError {
  return new EncodeError(`${key}: oneof variant ${JSON.stringify(tag)} lacks a payload`);
}

/** Errors pick up the field they happened in on their way out of each message. */
export function within(error: unknown, fieldNumber: number, index: number): unknown {
  if (error instanceof EncodeError && fieldNumber !== 0) error.within(fieldNumber, index);
  return error;
}

/** A value's kind for error messages: `string "abc"`, `number 3`, `an array of 2`, … */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
    case "boolean":
      return `${typeof value} ${value}`;
    case "bigint":
      return `bigint ${value}n`;
    case "undefined":
      return "undefined";
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return `an array of ${value.length}`;
      return value.constructor?.name && value.constructor !== Object
        ? value.constructor.name
        : "an object";
    default:
      return typeof value;
  }
}
