// The little of the protobuf wire format that the Metadata message needs. Metadata is read once
// per image, so this favours plain code over speed; the request codec has its own fast paths.

export const WireType = {
  VARINT: 0,
  FIXED64: 1,
  LENGTH_DELIMITED: 2,
  START_GROUP: 3,
  END_GROUP: 4,
  FIXED32: 5,
} as const;

/** Like protobuf's default recursion limit. */
const MAX_GROUP_NESTING = 100;

/** What is wrong at the reader's position; the decoder adds the field path. */
export class WireError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Reads one message: the bytes from `pos` up to `end`. */
export class WireReader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos = 0,
    private readonly end = bytes.length,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  tag(): { fieldNumber: number; wireType: number } {
    const [lo, hi] = this.varint64();
    if (hi !== 0) throw new WireError("Invalid tag: field number out of range");
    const fieldNumber = lo >>> 3;
    const wireType = lo & 7;
    if (fieldNumber === 0) throw new WireError("Invalid field number 0");
    if (wireType > 5) throw new WireError(`Invalid wire type ${wireType}`);
    return { fieldNumber, wireType };
  }

  /** A `uint32` (the low 32 bits of the varint, as protobuf truncates). */
  uint32(): number {
    return this.varint64()[0];
  }

  /** An `int32` or enum number. */
  int32(): number {
    return this.varint64()[0] | 0;
  }

  string(): string {
    const bytes = this.lengthDelimitedBytes();
    try {
      return utf8.decode(bytes);
    } catch {
      throw new WireError("Invalid UTF-8");
    }
  }

  /** A reader over the next length-delimited value, which this reader then skips. */
  message(): WireReader {
    const length = this.length();
    const sub = new WireReader(this.bytes, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }

  /** Skips an unknown field's value; a group is skipped up to its matching end tag. */
  skip(wireType: number, fieldNumber: number): void {
    if (wireType !== WireType.START_GROUP) {
      this.skipValue(wireType);
      return;
    }
    const openGroups = [fieldNumber];
    while (openGroups.length > 0) {
      if (this.done) throw new WireError("Group without an end-group tag");
      const tag = this.tag();
      if (tag.wireType === WireType.START_GROUP) {
        if (openGroups.length >= MAX_GROUP_NESTING) {
          throw new WireError(`Groups nested deeper than ${MAX_GROUP_NESTING} levels`);
        }
        openGroups.push(tag.fieldNumber);
      } else if (tag.wireType === WireType.END_GROUP) {
        if (openGroups.pop() !== tag.fieldNumber) {
          throw new WireError("End-group tag does not match its start-group tag");
        }
      } else this.skipValue(tag.wireType);
    }
  }

  private skipValue(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint64();
        return;
      case WireType.FIXED64:
        this.advance(8);
        return;
      case WireType.LENGTH_DELIMITED:
        this.advance(this.length());
        return;
      case WireType.FIXED32:
        this.advance(4);
        return;
      default:
        throw new WireError("Unexpected end-group tag");
    }
  }

  private lengthDelimitedBytes(): Uint8Array {
    const length = this.length();
    const bytes = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return bytes;
  }

  private length(): number {
    const [length, hi] = this.varint64();
    const left = this.end - this.pos;
    if (hi !== 0 || length > left) {
      throw new WireError(`Length ${hi === 0 ? length : "≥ 2^32"} exceeds the ${left} bytes left`);
    }
    return length;
  }

  private advance(count: number): void {
    const left = this.end - this.pos;
    if (count > left) throw new WireError(`Needs ${count} bytes, ${left} left`);
    this.pos += count;
  }

  /** The varint's low and high 32 bits, both unsigned. */
  private varint64(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError("Truncated varint");
      const byte = this.bytes[this.pos++] ?? 0;
      const bits = byte & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (byte < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw new WireError("Varint longer than 10 bytes");
  }
}

const utf8Encoder = new TextEncoder();

/** Writes one message; nested messages are written by their own writer and embedded. */
export class WireWriter {
  private readonly bytes: number[] = [];

  uint32(fieldNumber: number, value: number): this {
    return this.tag(fieldNumber, WireType.VARINT).varint(value);
  }

  /** An `int32` or enum number: negative values take ten bytes, sign-extended. */
  int32(fieldNumber: number, value: number): this {
    this.tag(fieldNumber, WireType.VARINT);
    if (value >= 0) return this.varint(value);
    this.varint((value | 0) >>> 0, 0xffffffff);
    return this;
  }

  string(fieldNumber: number, value: string): this {
    return this.lengthDelimited(fieldNumber, utf8Encoder.encode(value));
  }

  lengthDelimited(fieldNumber: number, value: Uint8Array): this {
    this.tag(fieldNumber, WireType.LENGTH_DELIMITED).varint(value.length);
    for (const byte of value) this.bytes.push(byte);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  private tag(fieldNumber: number, wireType: number): this {
    return this.varint(fieldNumber * 8 + wireType);
  }

  /** Writes `hi · 2^32 + lo` as a varint; both halves are unsigned 32-bit. */
  private varint(lo: number, hi = 0): this {
    let low = lo;
    let high = hi;
    while (high !== 0 || low > 0x7f) {
      this.bytes.push((low & 0x7f) | 0x80);
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.bytes.push(low);
    return this;
  }
}
