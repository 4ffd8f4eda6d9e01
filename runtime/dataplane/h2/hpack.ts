// HPACK (RFC 7541): the decoder for request header blocks and the encoder for our responses.
// Header strings are latin1 (one char per octet), so every byte survives the round trip and a
// string's length is its size in octets.

import { HUFFMAN_EOS, huffmanDecode, huffmanMaxDecodedLength } from "./huffman.ts";
import { STATIC_NAME_INDEX, STATIC_TABLE } from "./static-table.ts";

/** A malformed header block: the connection answers GOAWAY COMPRESSION_ERROR. */
export class HpackError extends Error {
  override name = "HpackError";
}

/** §4.1: an entry's size is its name and value octets plus 32. */
const ENTRY_OVERHEAD = 32;
const STATIC_ENTRIES = STATIC_TABLE.length;
/** Integers above this are never a sane index, length or size (and would lose precision). */
const MAX_INTEGER = 0x7fffffff;
/** 5 continuation bytes carry 35 bits, more than MAX_INTEGER needs. */
const MAX_CONTINUATION_BYTES = 5;

// Buffer's latin1Slice (Bun and Node have it, untyped) is the fastest octets-to-string path:
// toString("latin1") adds argument checks around it, and TextDecoder("latin1") is really
// windows-1252, which changes 0x80-0x9f.
type Octets = Buffer & { latin1Slice(start: number, end: number): string };

function asOctets(bytes: Uint8Array): Octets {
  return (
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  ) as Octets;
}

/** The dynamic table's first ring size: 16 entries hold a typical gRPC peer's headers. */
const INITIAL_SLOTS = 16;

const EMPTY: Octets = asOctets(Buffer.alloc(0));

export class HpackDecoder {
  readonly #maxTableSize: number;
  /** The current size limit: maxTableSize until the peer's encoder lowers it (§6.3). */
  #limit: number;
  #size = 0;
  // The dynamic table as a ring, newest first: entry k (0 = newest, wire index 62 + k) is at
  // (#head + k) & #mask. It starts small and doubles when full, up to the maxTableSize / 32
  // entries that fit: a connection whose peer barely uses the table pays little for it.
  #names: string[];
  #values: string[];
  #mask: number;
  readonly #maxSlots: number;
  #head = 0;
  #count = 0;
  // The block being decoded and the read position in it.
  #block: Octets = EMPTY;
  #pos = 0;
  /** Reused output for Huffman strings, grown on demand. */
  #scratch: Octets = EMPTY;

  /** maxTableSize: our SETTINGS_HEADER_TABLE_SIZE (we advertise 4096, the default). */
  constructor(maxTableSize = 4096) {
    if (!Number.isInteger(maxTableSize) || maxTableSize < 0 || maxTableSize > MAX_INTEGER) {
      throw new RangeError(`HPACK table size ${maxTableSize}: not an integer in 0..2^31-1`);
    }
    this.#maxTableSize = maxTableSize;
    this.#limit = maxTableSize;
    let maxSlots = 1;
    while (maxSlots < Math.floor(maxTableSize / ENTRY_OVERHEAD)) maxSlots *= 2;
    this.#maxSlots = maxSlots;
    const slots = Math.min(INITIAL_SLOTS, maxSlots);
    this.#names = new Array<string>(slots).fill("");
    this.#values = new Array<string>(slots).fill("");
    this.#mask = slots - 1;
  }

  /** The dynamic table, newest first, as [name, value] pairs (for tests and diagnostics). */
  get dynamicTable(): [name: string, value: string][] {
    const entries: [string, string][] = [];
    for (let k = 0; k < this.#count; k++) {
      const slot = (this.#head + k) & this.#mask;
      entries.push([this.#names[slot] as string, this.#values[slot] as string]);
    }
    return entries;
  }

  /** The dynamic table's size in the §4.1 sense. */
  get dynamicTableSize(): number {
    return this.#size;
  }

  /**
   * Decodes one complete header block (HEADERS + CONTINUATION payloads joined) and returns its
   * fields flat: [name0, value0, name1, value1, ...], in order. Throws HpackError on anything
   * malformed; the dynamic table stays correct across blocks.
   */
  decode(block: Uint8Array): string[] {
    const bytes = asOctets(block);
    this.#block = bytes;
    this.#pos = 0;
    const fields: string[] = [];
    let fieldSeen = false;
    while (this.#pos < bytes.length) {
      const first = bytes[this.#pos++] as number;
      if (first >= 0x80) {
        // §6.1 Indexed Header Field.
        const index = this.#integer(first, 0x7f);
        if (index === 0) throw new HpackError("indexed header field with index 0");
        if (index <= STATIC_ENTRIES) {
          const entry = STATIC_TABLE[index - 1] as readonly [string, string];
          fields.push(entry[0], entry[1]);
        } else {
          const slot = this.#slot(index);
          fields.push(this.#names[slot] as string, this.#values[slot] as string);
        }
      } else if (first >= 0x40) {
        // §6.2.1 Literal Header Field with Incremental Indexing.
        const index = this.#integer(first, 0x3f);
        const name = index === 0 ? this.#string() : this.#name(index);
        const value = this.#string();
        fields.push(name, value);
        this.#add(name, value);
      } else if (first >= 0x20) {
        // §6.3 Dynamic Table Size Update: only before the first field (§4.2).
        if (fieldSeen) {
          throw new HpackError(
            `dynamic table size update after a field (at octet ${this.#pos - 1})`,
          );
        }
        const size = this.#integer(first, 0x1f);
        if (size > this.#maxTableSize) {
          throw new HpackError(
            `dynamic table size update to ${size}, above our SETTINGS_HEADER_TABLE_SIZE ${this.#maxTableSize}`,
          );
        }
        this.#limit = size;
        this.#evictTo(size);
        continue;
      } else {
        // §6.2.2 Literal without Indexing (0000) and §6.2.3 Never Indexed (0001).
        const index = this.#integer(first, 0x0f);
        const name = index === 0 ? this.#string() : this.#name(index);
        fields.push(name, this.#string());
      }
      fieldSeen = true;
    }
    // Not kept past the call (a failed block ends the connection, and this decoder with it).
    this.#block = EMPTY;
    return fields;
  }

  /** §5.1: the rest of an integer whose first octet (already read) has a `mask`-wide prefix. */
  #integer(first: number, mask: number): number {
    let value = first & mask;
    if (value < mask) return value;
    const bytes = this.#block;
    let pos = this.#pos;
    let scale = 1;
    for (let n = 0; ; n++) {
      if (n === MAX_CONTINUATION_BYTES) {
        throw new HpackError(`integer at octet ${this.#pos - 1} has over ${n} continuation octets`);
      }
      if (pos >= bytes.length) throw new HpackError("integer runs past the end of the block");
      const byte = bytes[pos++] as number;
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) break;
    }
    if (value > MAX_INTEGER) {
      throw new HpackError(`integer ${value} at octet ${this.#pos - 1} overflows 2^31-1`);
    }
    this.#pos = pos;
    return value;
  }

  /** §5.2: a string literal, raw or Huffman-coded. */
  #string(): string {
    const bytes = this.#block;
    if (this.#pos >= bytes.length)
      throw new HpackError("string literal missing at the end of the block");
    const first = bytes[this.#pos++] as number;
    const length = this.#integer(first, 0x7f);
    const start = this.#pos;
    const end = start + length;
    if (end > bytes.length) {
      throw new HpackError(
        `string of ${length} octets at octet ${start} runs past the end of the ${bytes.length}-octet block`,
      );
    }
    this.#pos = end;
    if (first < 0x80) return bytes.latin1Slice(start, end);
    const room = huffmanMaxDecodedLength(length);
    if (this.#scratch.length < room)
      this.#scratch = asOctets(Buffer.allocUnsafe(Math.max(room, 256, this.#scratch.length * 2)));
    const n = huffmanDecode(bytes, start, end, this.#scratch);
    if (n < 0) {
      throw new HpackError(
        n === HUFFMAN_EOS
          ? `Huffman string at octet ${start} contains EOS`
          : `Huffman string at octet ${start} has padding longer than 7 bits or not all ones`,
      );
    }
    return this.#scratch.latin1Slice(0, n);
  }

  #name(index: number): string {
    if (index <= STATIC_ENTRIES) return (STATIC_TABLE[index - 1] as readonly [string, string])[0];
    return this.#names[this.#slot(index)] as string;
  }

  /** The ring slot of dynamic-table wire index `index` (> 61). */
  #slot(index: number): number {
    const k = index - STATIC_ENTRIES - 1;
    if (k >= this.#count) {
      throw new HpackError(
        `index ${index} past the tables (61 static + ${this.#count} dynamic entries)`,
      );
    }
    return (this.#head + k) & this.#mask;
  }

  /** §4.4: evict until the entry fits, then add it; an entry larger than the table empties it. */
  #add(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (size > this.#limit) {
      this.#evictTo(0);
      return;
    }
    this.#evictTo(this.#limit - size);
    if (this.#count > this.#mask) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#names[this.#head] = name;
    this.#values[this.#head] = value;
    this.#count++;
    this.#size += size;
  }

  /** Doubles the ring (it is full), the entries newest first from slot 0. */
  #grow(): void {
    const slots = Math.min((this.#mask + 1) * 2, this.#maxSlots);
    const names = new Array<string>(slots).fill("");
    const values = new Array<string>(slots).fill("");
    for (let k = 0; k < this.#count; k++) {
      const slot = (this.#head + k) & this.#mask;
      names[k] = this.#names[slot] as string;
      values[k] = this.#values[slot] as string;
    }
    this.#names = names;
    this.#values = values;
    this.#mask = slots - 1;
    this.#head = 0;
  }

  #evictTo(size: number): void {
    while (this.#size > size) {
      const slot = (this.#head + this.#count - 1) & this.#mask;
      this.#size -=
        (this.#names[slot] as string).length +
        (this.#values[slot] as string).length +
        ENTRY_OVERHEAD;
      // Drop the references so evicted strings can be collected.
      this.#names[slot] = "";
      this.#values[slot] = "";
      this.#count--;
    }
  }
}

/** The octets §5.1 needs for `value` with an N-bit prefix (`mask` = 2^N - 1). */
function integerLength(value: number, mask: number): number {
  if (value < mask) return 1;
  let length = 2;
  for (let rest = value - mask; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++;
  return length;
}

function writeInteger(
  out: Uint8Array,
  pos: number,
  value: number,
  mask: number,
  flags: number,
): number {
  if (value < mask) {
    out[pos] = flags | value;
    return pos + 1;
  }
  out[pos++] = flags | mask;
  let rest = value - mask;
  while (rest >= 0x80) {
    out[pos++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[pos] = rest;
  return pos + 1;
}

function writeString(out: Uint8Array, pos: number, text: string): number {
  let at = writeInteger(out, pos, text.length, 0x7f, 0);
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}

/** Each field's static name index (0: a literal name), kept between calls to spare a Map lookup. */
let nameIndexes = new Int32Array(32);

/**
 * Encodes a response header block: every field as "literal without indexing" (§6.2.2), with the
 * name as a static-table index where the static table has the name, raw (non-Huffman) strings.
 * So no dynamic table state is needed on our side and any peer table size is fine.
 * `fields` flat as [name0, value0, ...]; names are lowercase already.
 */
export function encodeHeaderBlock(fields: readonly string[]): Uint8Array {
  const count = fields.length >>> 1;
  if (nameIndexes.length < count) nameIndexes = new Int32Array(count * 2);
  let size = 0;
  for (let f = 0; f < count; f++) {
    const name = fields[2 * f] as string;
    const value = fields[2 * f + 1] as string;
    const index = STATIC_NAME_INDEX.get(name) ?? 0;
    nameIndexes[f] = index;
    size +=
      index === 0 ? 1 + integerLength(name.length, 0x7f) + name.length : integerLength(index, 0x0f);
    size += integerLength(value.length, 0x7f) + value.length;
  }
  const out = new Uint8Array(size);
  let pos = 0;
  for (let f = 0; f < count; f++) {
    const index = nameIndexes[f] as number;
    if (index === 0) {
      out[pos++] = 0;
      pos = writeString(out, pos, fields[2 * f] as string);
    } else {
      pos = writeInteger(out, pos, index, 0x0f, 0);
    }
    pos = writeString(out, pos, fields[2 * f + 1] as string);
  }
  return out;
}

/** RFC 9113 §6.5.2: a header list's size, name and value octets plus 32 per field. */
export function headerListBytes(fields: readonly string[]): number {
  let bytes = 0;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    bytes += (fields[i] as string).length + (fields[i + 1] as string).length + ENTRY_OVERHEAD;
  }
  return bytes;
}
