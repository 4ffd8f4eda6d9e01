// What generated decoders call off their fast paths: multi-byte varints, lengths, unknown
// fields, UTF-8, list growth and the errors. Each takes the buffer and position explicitly;
// a value that does not fit the return (a varint) is left in the scratch `U32[0]`/`U32[1]`.
import { DecodeError } from "./errors.ts";
import { I64, U32 } from "./scratch.ts";

const wireTypeNames = [
  "varint",
  "64-bit",
  "length-delimited",
  "start-group",
  "end-group",
  "32-bit",
];

/** Like protobuf's default recursion limit. */
const MAX_GROUP_NESTING = 100;

/**
 * Reads the varint at `p` into U32[0] (low 32 bits) and U32[1] (high); returns the position
 * after it. Bits past the 64th are dropped, as protobuf parsers do; an 11th byte is an error.
 */
export function varint(buf: Uint8Array, p: number, end: number): number {
  let lo = 0;
  let hi = 0;
  let byte = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (p >= end) throw new DecodeError("Truncated varint");
    byte = buf[p++] as number;
    lo |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      U32[0] = lo;
      U32[1] = 0;
      return p;
    }
  }
  if (p >= end) throw new DecodeError("Truncated varint");
  byte = buf[p++] as number;
  lo |= byte << 28;
  hi = (byte & 0x7f) >>> 4;
  if (byte < 0x80) {
    U32[0] = lo;
    U32[1] = hi;
    return p;
  }
  for (let shift = 3; shift < 32; shift += 7) {
    if (p >= end) throw new DecodeError("Truncated varint");
    byte = buf[p++] as number;
    hi |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      U32[0] = lo;
      U32[1] = hi;
      return p;
    }
  }
  throw new DecodeError("Varint longer than 10 bytes");
}

/** A tag longer than one byte: into U32[0]; it must fit 32 bits. */
export function tagAt(buf: Uint8Array, p: number, end: number): number {
  const next = varint(buf, p, end);
  if (U32[1] !== 0) throw new DecodeError("Invalid tag: field number out of range");
  return next;
}

/** A length prefix that did not fit the fast path: into U32[0]; it must fit what is left. */
export function lengthAt(buf: Uint8Array, p: number, end: number): number {
  const next = varint(buf, p, end);
  const left = end - next;
  if (U32[1] !== 0 || (U32[0] as number) > left) {
    const stated = U32[1] === 0 ? String(U32[0]) : "over 4 GiB";
    throw new DecodeError(`Length ${stated} exceeds the ${left} bytes left`);
  }
  return next;
}

export function truncated(bytes: number, left: number): DecodeError {
  return new DecodeError(`Truncated: needs ${bytes} bytes, ${left} left`);
}

/** A bool must be the single byte 0 or 1 (ref §4.3); `p` is where it should be. */
export function invalidBool(buf: Uint8Array, p: number, end: number): DecodeError {
  if (p >= end) return new DecodeError("Truncated varint");
  return new DecodeError(`Invalid boolean value (first byte 0x${(buf[p] as number).toString(16)})`);
}

export function packedLength(length: number, size: number): DecodeError {
  return new DecodeError(`Packed length ${length} is not a multiple of ${size}`);
}

export function unknownEnum(number: number): DecodeError {
  return new DecodeError(`Enum value ${number} is unknown and the enum has no case numbered 0`);
}

/**
 * A tag the message's switch did not take: a known field with the wrong wire type (an error,
 * `expected` says what it should be), or an unknown field, skipped. Returns the next position.
 */
export function otherField(
  buf: Uint8Array,
  p: number,
  end: number,
  tagValue: number,
  expected: ReadonlyMap<number, string>,
): number {
  const fieldNumber = tagValue >>> 3;
  const wireType = tagValue & 7;
  if (fieldNumber === 0) throw new DecodeError("Invalid field number 0");
  if (wireType > 5) throw new DecodeError(`Invalid wire type ${wireType}`);
  const want = expected.get(fieldNumber);
  if (want !== undefined) {
    throw new DecodeError(`Wire type should be ${want}, got ${wireTypeNames[wireType]}`);
  }
  if (wireType !== 3) return skipValue(buf, p, end, wireType);
  // A group is skipped up to its matching end tag, without recursion.
  const openGroups = [fieldNumber];
  let next = p;
  while (openGroups.length > 0) {
    if (next >= end) throw new DecodeError("Group without an end-group tag");
    next = tagAt(buf, next, end);
    const inner = U32[0] as number;
    const innerNumber = inner >>> 3;
    const innerType = inner & 7;
    if (innerNumber === 0) throw new DecodeError("Invalid field number 0");
    if (innerType === 3) {
      if (openGroups.length >= MAX_GROUP_NESTING) {
        throw new DecodeError(`Groups nested deeper than ${MAX_GROUP_NESTING} levels`);
      }
      openGroups.push(innerNumber);
    } else if (innerType === 4) {
      if (openGroups.pop() !== innerNumber) {
        throw new DecodeError("End-group tag does not match its start-group tag");
      }
    } else if (innerType > 5) {
      throw new DecodeError(`Invalid wire type ${innerType}`);
    } else next = skipValue(buf, next, end, innerType);
  }
  return next;
}

function skipValue(buf: Uint8Array, p: number, end: number, wireType: number): number {
  switch (wireType) {
    case 0:
      return varint(buf, p, end);
    case 1:
      if (end - p < 8) throw truncated(8, end - p);
      return p + 8;
    case 2: {
      const next = lengthAt(buf, p, end);
      return next + (U32[0] as number);
    }
    case 5:
      if (end - p < 4) throw truncated(4, end - p);
      return p + 4;
    default:
      throw new DecodeError("Unexpected end-group tag");
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lossyUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });
// Node's Buffer method, which works on any Uint8Array: the fastest bytes → string in Bun, about
// twice as fast as TextDecoder on short strings. It does not validate, so it only gets ASCII.
const utf8Slice = (
  Buffer.prototype as unknown as {
    utf8Slice(this: Uint8Array, start: number, end: number): string;
  }
).utf8Slice;

/** Validated UTF-8 (a leading U+FEFF is text, not a byte-order mark). */
export function utf8(buf: Uint8Array, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if ((buf[i] as number) > 0x7f) {
      try {
        return strictUtf8.decode(buf.subarray(start, end));
      } catch {
        throw new DecodeError("Invalid UTF-8");
      }
    }
  }
  return utf8Slice.call(buf, start, end);
}

/** STRING_PERMISSIVE: not validated; invalid sequences become U+FFFD. */
export function utf8Permissive(buf: Uint8Array, start: number, end: number): string {
  return lossyUtf8.decode(buf.subarray(start, end));
}

/**
 * Number of varints in a packed run, so the list is allocated once; a last varint cut short
 * counts too, and fails when it is read.
 */
export function varintCount(buf: Uint8Array, p: number, end: number): number {
  let count = 0;
  for (let i = p; i < end; i++) if ((buf[i] as number) < 0x80) count++;
  return end > p && (buf[end - 1] as number) >= 0x80 ? count + 1 : count;
}

type NumberList = Float32Array | Float64Array | Int32Array | Uint32Array;
type BigIntList = BigInt64Array | BigUint64Array;
type TypedList = NumberList | BigIntList;
interface TypedListClass<T> {
  new (length: number): T;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
}

/**
 * `list` (holding `count` items) with room for `extra` more: the same array, one over its
 * buffer's spare room, or a copy twice as long. Finished lists are trimmed to a view of their
 * buffer, so a message that occurs again and merges appends without copying what it has.
 */
export function room<T extends TypedList>(
  list: T | undefined,
  count: number,
  extra: number,
  make: TypedListClass<T>,
): T {
  if (list !== undefined && count + extra <= list.length) return list;
  if (list !== undefined && list.byteOffset === 0) {
    const capacity = list.buffer.byteLength / list.BYTES_PER_ELEMENT;
    if (count + extra <= capacity) return new make(list.buffer, 0, capacity);
  }
  const grown = new make(list === undefined ? extra : Math.max(count + extra, 2 * list.length));
  if (list !== undefined) (grown as NumberList).set(list.subarray(0, count) as NumberList);
  return grown;
}

type Entry = [unknown, unknown];
type EntryIndex = Map<unknown, number>;

/** The index of a finished map's entries, for when its message occurs again and merges. */
const indexes = new WeakMap<Entry[], EntryIndex>();

/**
 * Adds a decoded map entry to `entries`: a key seen before keeps its position and takes the new
 * value. Small maps are searched; past 8 entries an index (returned, to pass back) is kept.
 */
export function putEntry(
  entries: Entry[],
  known: EntryIndex | undefined,
  entry: Entry,
): EntryIndex | undefined {
  const key = entry[0];
  const index = known ?? (entries.length > 8 ? indexes.get(entries) : undefined);
  if (index !== undefined) {
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, entries.length);
      entries.push(entry);
    } else entries[at] = entry;
    return index;
  }
  for (let i = 0; i < entries.length; i++) {
    if ((entries[i] as Entry)[0] === key) {
      entries[i] = entry;
      return undefined;
    }
  }
  entries.push(entry);
  if (entries.length <= 8) return undefined;
  const built = new Map(entries.map((e, i) => [e[0], i]));
  indexes.set(entries, built);
  return built;
}

/** sint64: U32[0..1] hold the zigzag varint; the signed value. */
export function zigzag64(): bigint {
  const lo = U32[0] as number;
  const hi = U32[1] as number;
  const sign = -(lo & 1);
  U32[0] = ((lo >>> 1) | (hi << 31)) ^ sign;
  U32[1] = (hi >>> 1) ^ sign;
  return I64[0] as bigint;
}
