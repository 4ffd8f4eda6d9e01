// Reading and writing the WebAssembly binary encoding: LEB128 integers, names, growable output.

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A cursor over wasm bytes; every read checks the end, so truncated input fails loudly. */
export class ByteReader {
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
    readonly end = bytes.length,
  ) {
    this.offset = offset;
  }

  get done(): boolean {
    return this.offset >= this.end;
  }

  byte(): number {
    if (this.offset >= this.end) throw new Error(`unexpected end of input at byte ${this.offset}`);
    return this.bytes[this.offset++] as number;
  }

  /** An unsigned LEB128 of up to 32 bits. */
  u32(): number {
    const first = this.byte();
    if (first < 0x80) return first;
    let result = first & 0x7f;
    for (let shift = 7; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (result > 0xffffffff) throw new Error(`LEB128 u32 overflows at byte ${this.offset}`);
        return result;
      }
    }
    throw new Error(`LEB128 u32 too long at byte ${this.offset}`);
  }

  /** Skips any LEB128 (signed or unsigned, up to 64 bits) without decoding it. */
  skipLeb(): void {
    for (let i = 0; i < 10; i++) if ((this.byte() & 0x80) === 0) return;
    throw new Error(`LEB128 too long at byte ${this.offset}`);
  }

  /** A signed LEB128 of up to 33 bits, as block types and heap types are encoded. */
  s33(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    if (b & 0x80) throw new Error(`LEB128 s33 too long at byte ${this.offset}`);
    return b & 0x40 ? result - 2 ** shift : result;
  }

  skip(count: number): void {
    if (this.offset + count > this.end) {
      throw new Error(`unexpected end of input: ${count} bytes needed at byte ${this.offset}`);
    }
    this.offset += count;
  }

  name(): string {
    const length = this.u32();
    const start = this.offset;
    this.skip(length);
    return utf8.decode(this.bytes.subarray(start, start + length));
  }
}

/** An append-only byte buffer that copies ranges of the input in bulk. */
export class ByteWriter {
  private buffer: Uint8Array;
  length = 0;

  constructor(capacity = 1024) {
    this.buffer = new Uint8Array(capacity);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  bytes(values: Uint8Array | readonly number[]): void {
    this.reserve(values.length);
    this.buffer.set(values, this.length);
    this.length += values.length;
  }

  u32(value: number): void {
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
  }

  name(value: string): void {
    const encoded = new TextEncoder().encode(value);
    this.u32(encoded.length);
    this.bytes(encoded);
  }

  /** Appends `section` as a section: its id, its size, then its bytes. */
  section(id: number, section: ByteWriter): void {
    this.byte(id);
    this.u32(section.length);
    this.bytes(section.view());
  }

  /** The bytes written so far (a view; copy before writing more). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** The encoding of `value` as an unsigned LEB128. */
export function u32Bytes(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export function hex(value: number): string {
  return `0x${value.toString(16).padStart(2, "0")}`;
}
