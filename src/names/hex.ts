import { debugQuote, NameError } from "./errors.ts";

// Nibble-little-endian hex: each byte is written low nibble first ("h" = 0x68 -> "86").

const HEX_DIGITS = "0123456789abcdef";
// The original validates full 32-character chunks at once and reports the whole chunk;
// only the tail is checked character by character.
const CHUNK_LENGTH = 32;
const HEX_CHUNK = /^[0-9a-f]*$/;

const encoder = new TextEncoder();
// `ignoreBOM` keeps a leading U+FEFF, as Rust's UTF-8 decoding does.
const lossyDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Hex-encodes bytes, low nibble of each byte first. Inverse of {@link unhexifyBytes}. */
export function hexifyBytes(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) {
    hex += HEX_DIGITS.charAt(byte & 0xf) + HEX_DIGITS.charAt(byte >> 4);
  }
  return hex;
}

/** Decodes lowercase nibble-little-endian hex. Inverse of {@link hexifyBytes}. */
export function unhexifyBytes(hex: string): Uint8Array {
  // The original works on UTF-8 bytes, so lengths and chunk boundaries are counted in bytes.
  const input = encoder.encode(hex);
  if (input.length % 2 !== 0) {
    throw new NameError("Odd-length hex string");
  }
  const output = new Uint8Array(input.length / 2);
  const chunksEnd = input.length - (input.length % CHUNK_LENGTH);
  for (let start = 0; start < chunksEnd; start += CHUNK_LENGTH) {
    const chunk = lossyDecoder.decode(input.subarray(start, start + CHUNK_LENGTH));
    if (!HEX_CHUNK.test(chunk)) {
      throw new NameError(`Invalid hex characters: ${debugQuote(chunk)}`);
    }
  }
  for (let index = 0; index < input.length; index += 2) {
    output[index / 2] = nibble(input, index) | (nibble(input, index + 1) << 4);
  }
  return output;
}

/** Hex-encodes the UTF-8 bytes of a string. Inverse of {@link unhexifyString}. */
export function hexifyString(text: string): string {
  return hexifyBytes(encoder.encode(text));
}

/** Decodes nibble-little-endian hex into a string. Inverse of {@link hexifyString}. */
export function unhexifyString(hex: string): string {
  const bytes = unhexifyBytes(hex);
  try {
    return strictDecoder.decode(bytes);
  } catch (cause) {
    throw new NameError("Hex string represents invalid UTF-8", { cause });
  }
}

function nibble(input: Uint8Array, index: number): number {
  const byte = input[index] ?? 0;
  if (byte >= 0x30 && byte <= 0x39) {
    return byte - 0x30;
  }
  if (byte >= 0x61 && byte <= 0x66) {
    return byte - 0x61 + 10;
  }
  const char = lossyDecoder.decode(input.subarray(index, index + 1));
  throw new NameError(`Invalid hex character: ${debugQuote(char)}`);
}
